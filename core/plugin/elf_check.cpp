// A cheap structural check of a shared object before dlopen: a truncated or half-written file
// whose headers point past its end would otherwise be mapped and fault (SIGBUS) inside the
// loader, taking the server down. This only checks that what the loader maps lies in the file.
#include <elf.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace pb::plugin {

std::string checkElf(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return "cannot open the file";
    const auto size = static_cast<uint64_t>(in.tellg());
    in.seekg(0);
    Elf64_Ehdr eh{};
    if (size < sizeof eh || !in.read(reinterpret_cast<char*>(&eh), sizeof eh)) return "not an ELF file (too short)";
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return "not an ELF file";
    if (eh.e_ident[EI_CLASS] != ELFCLASS64) return "not a 64-bit ELF file";
    if (eh.e_type != ET_DYN) return "not a shared object";
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0) return "bad program header table";
    if (eh.e_phoff + uint64_t(eh.e_phnum) * eh.e_phentsize > size) return "truncated file (program headers)";
    if (eh.e_shoff != 0 && eh.e_shoff + uint64_t(eh.e_shnum) * eh.e_shentsize > size)
        return "truncated file (section headers)";
    std::vector<Elf64_Phdr> ph(eh.e_phnum);
    in.seekg(static_cast<std::streamoff>(eh.e_phoff));
    if (!in.read(reinterpret_cast<char*>(ph.data()), static_cast<std::streamsize>(ph.size() * sizeof(Elf64_Phdr))))
        return "truncated file (program headers)";
    for (const auto& p : ph) {
        if (p.p_type != PT_LOAD && p.p_type != PT_DYNAMIC && p.p_type != PT_NOTE && p.p_type != PT_GNU_EH_FRAME) continue;
        if (p.p_offset + p.p_filesz > size) return "truncated file (a segment ends past the end of the file)";
    }
    return {};
}

}  // namespace pb::plugin
