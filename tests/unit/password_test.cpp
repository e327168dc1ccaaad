#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "auth/password.hpp"

using namespace std::string_literals;
using pb::auth::bcryptCost;
using pb::auth::dummyHash;
using pb::auth::hashPassword;
using pb::auth::verifyPassword;

// Hashes produced by npm bcryptjs 2.4.3 (same $2a$ output as Go's x/crypto/bcrypt).
TEST(Password, VerifiesBcryptjsHashes) {
    EXPECT_TRUE(verifyPassword("password", "$2a$10$WDF.vmKMtWSpTB1pfl7BaedEvbgNAfiUMCbgqniOx5GOJYcWz2sJa"));
    EXPECT_FALSE(verifyPassword("Password", "$2a$10$WDF.vmKMtWSpTB1pfl7BaedEvbgNAfiUMCbgqniOx5GOJYcWz2sJa"));
    EXPECT_FALSE(verifyPassword("password ", "$2a$10$WDF.vmKMtWSpTB1pfl7BaedEvbgNAfiUMCbgqniOx5GOJYcWz2sJa"));
    EXPECT_FALSE(verifyPassword("", "$2a$10$WDF.vmKMtWSpTB1pfl7BaedEvbgNAfiUMCbgqniOx5GOJYcWz2sJa"));
    EXPECT_TRUE(verifyPassword("correct horse battery staple",
                               "$2a$04$7zvclBo1PKTBHnYt4JUNn.eXMpp8jH/seem5ixStCt.an5wV5gRfa"));
    // UTF-8 passwords.
    EXPECT_TRUE(verifyPassword("p\xc3\xa4ssw\xc3\xb6rd\xe2\x9c\x93",
                               "$2a$10$bGiH9vy9XF3FOnqwkxV8DOZYkDGHZbpDsPT1fgHMfOP7sM/8V5cy2"));
    EXPECT_TRUE(verifyPassword("\xc2\xa3", "$2a$05$/OK.fbVrR/bpIqNJ5ianF.crQZGxQ7hWEf.fNKRjrYcudfgPvGbVK"));
}

// Openwall crypt_blowfish vectors for the 8-bit sign-extension bug. The correct algorithm
// (Go, bcryptjs, $2b$, $2y$) gives CE5el... for "\xff\xff\xa3"; Openwall's "$2a$"
// countermeasure gives nqd1wy... instead. We follow Go.
TEST(Password, EightBitPasswordsFollowGoSemantics) {
    const std::string pw = "\xff\xff\xa3";
    EXPECT_TRUE(verifyPassword(pw, "$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"));
    EXPECT_TRUE(verifyPassword(pw, "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"));
    EXPECT_TRUE(verifyPassword(pw, "$2a$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"));
    EXPECT_FALSE(verifyPassword(pw, "$2a$05$/OK.fbVrR/bpIqNJ5ianF.nqd1wy.pTMdcvrRWxyiGL2eMz.2a85."));
    // "$2x$" (the buggy variant) is not accepted at all.
    EXPECT_FALSE(verifyPassword("\xa3", "$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"));
    EXPECT_TRUE(verifyPassword("\xa3", "$2a$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"));
    EXPECT_TRUE(verifyPassword("\xa3", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"));
}

TEST(Password, HashRoundTrip) {
    std::string h = hashPassword("s3cret-P@ss", 4);
    EXPECT_EQ(h.size(), 60u);
    EXPECT_EQ(h.substr(0, 7), "$2a$04$");
    EXPECT_EQ(bcryptCost(h), 4);
    EXPECT_TRUE(verifyPassword("s3cret-P@ss", h));
    EXPECT_FALSE(verifyPassword("s3cret-P@sS", h));
    EXPECT_FALSE(verifyPassword("s3cret-P@s", h));
    EXPECT_FALSE(verifyPassword("", h));
    // The $2b$ spelling of the same hash is equally valid.
    std::string b = h;
    b[2] = 'b';
    EXPECT_TRUE(verifyPassword("s3cret-P@ss", b));
}

TEST(Password, DefaultCostIsTen) {
    std::string h = hashPassword("password");
    EXPECT_EQ(h.substr(0, 7), "$2a$10$");
    EXPECT_TRUE(verifyPassword("password", h));
}

TEST(Password, SaltsAreRandom) {
    std::string a = hashPassword("same", 4), b = hashPassword("same", 4);
    EXPECT_NE(a, b);
    EXPECT_NE(a.substr(7, 22), b.substr(7, 22));
    EXPECT_TRUE(verifyPassword("same", a));
    EXPECT_TRUE(verifyPassword("same", b));
}

TEST(Password, CostBounds) {
    EXPECT_EQ(hashPassword("x", 3).substr(0, 7), "$2a$10$");  // like Go: below min -> default
    EXPECT_EQ(hashPassword("x", 0).substr(0, 7), "$2a$10$");
    EXPECT_EQ(hashPassword("x", 5).substr(0, 7), "$2a$05$");
    EXPECT_THROW(hashPassword("x", 32), std::invalid_argument);
}

TEST(Password, EmptyPassword) {
    std::string h = hashPassword("", 4);
    EXPECT_TRUE(verifyPassword("", h));
    EXPECT_FALSE(verifyPassword("a", h));
}

TEST(Password, LengthLimit) {
    const std::string p72(72, 'x');
    EXPECT_THROW(hashPassword(p72 + "y", 4), std::invalid_argument);
    std::string h = hashPassword(p72, 4);
    EXPECT_TRUE(verifyPassword(p72, h));
    EXPECT_FALSE(verifyPassword(std::string(71, 'x'), h));
    // Verification uses only the first 72 bytes, as Go's CompareHashAndPassword does.
    EXPECT_TRUE(verifyPassword(p72 + "anything", h));
    EXPECT_TRUE(verifyPassword(p72 + std::string(10000, 'z'), h));  // > crypt's 512-byte cap
    // bcryptjs hash of 72 'x'.
    EXPECT_TRUE(verifyPassword(p72, "$2a$04$HhwylvL2WY396wiNGn42XO7/8PtWB.qnjZj48Vt5WcZRFf.bi/WzG"));
    // 71 bytes (PocketBase's maximum) is fully significant.
    std::string h71 = hashPassword(std::string(70, 'x') + "a", 4);
    EXPECT_FALSE(verifyPassword(std::string(70, 'x') + "b", h71));
}

TEST(Password, NulBytes) {
    EXPECT_THROW(hashPassword("abc\0def"s, 4), std::invalid_argument);
    std::string h = hashPassword("abc", 4);
    EXPECT_TRUE(verifyPassword("abc", h));
    EXPECT_FALSE(verifyPassword("abc\0def"s, h));  // would otherwise be truncated to "abc"
    EXPECT_FALSE(verifyPassword("abc\0"s, h));
}

TEST(Password, MalformedHashesAreRejected) {
    const std::string good = "$2a$10$WDF.vmKMtWSpTB1pfl7BaedEvbgNAfiUMCbgqniOx5GOJYcWz2sJa";
    std::vector<std::string> bad = {
        "",
        "password",
        "$2a$10$",
        good.substr(0, 59),
        good + "a",
        "$2x" + good.substr(3),
        "$2c" + good.substr(3),
        "$3a" + good.substr(3),
        "$2a$03" + good.substr(6),
        "$2a$32" + good.substr(6),
        "$2a$1a" + good.substr(6),
        "$2a$10#" + good.substr(7),
        good.substr(0, 20) + "!" + good.substr(21),
        good.substr(0, 40) + "\0"s + good.substr(41),
        "$1$abcdefgh$abcdefghijklmnopqrstuv",
        "$6$salt$" + std::string(86, 'a'),
        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
    };
    for (const auto& h : bad) {
        EXPECT_FALSE(verifyPassword("password", h)) << h;
        EXPECT_EQ(bcryptCost(h), -1) << h;
    }
    EXPECT_EQ(bcryptCost(good), 10);
}

TEST(Password, DummyHash) {
    std::string d = dummyHash();
    EXPECT_EQ(bcryptCost(d), 10);
    EXPECT_EQ(d.substr(0, 4), "$2a$");
    EXPECT_EQ(dummyHash(), d);
    EXPECT_FALSE(verifyPassword("", d));
    EXPECT_FALSE(verifyPassword("password", d));
    EXPECT_FALSE(verifyPassword("123456", d));
    // Per cost, so an unknown identity costs what the collection's real hashes cost.
    std::string d8 = dummyHash(8);
    EXPECT_EQ(bcryptCost(d8), 8);
    EXPECT_EQ(dummyHash(8), d8);
    EXPECT_EQ(bcryptCost(dummyHash(0)), 10);
}

TEST(Password, ConcurrentUse) {
    std::string h = hashPassword("concurrent", 4);
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 5; ++i) {
                if (verifyPassword("concurrent", h) && !verifyPassword("wrong" + std::to_string(t), h))
                    ++ok;
                std::string own = hashPassword("p" + std::to_string(t), 4);
                if (verifyPassword("p" + std::to_string(t), own)) ++ok;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(ok.load(), 40);
}
