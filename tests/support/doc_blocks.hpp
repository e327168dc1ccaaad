#pragma once
// Reads the fenced code blocks of a markdown file, so a test runs exactly what a document shows
// (the doc and the test cannot drift apart). A shell block is split into steps: a command (one
// or more lines) followed by the `# ...` lines of its expected output.
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace pbtest {

struct DocBlock {
    std::string lang;  // the info string after ``` ("sh", "json", "js", ...)
    std::string text;  // the lines between the fences, each ending in '\n'
};

inline std::vector<DocBlock> docBlocks(const std::string& path, const std::string& lang) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::vector<DocBlock> out;
    std::string line;
    DocBlock* cur = nullptr;
    std::vector<DocBlock> all;
    bool inside = false;
    while (std::getline(in, line)) {
        if (line.rfind("```", 0) == 0) {
            if (!inside) {
                all.push_back({line.substr(3), ""});
                cur = &all.back();
            }
            inside = !inside;
            continue;
        }
        if (inside && cur) cur->text += line + "\n";
    }
    for (auto& b : all)
        if (b.lang == lang) out.push_back(std::move(b));
    return out;
}

struct ShellStep {
    std::string command;   // may span lines (continuations, quoted newlines)
    std::string expected;  // the "# " lines after it, joined with '\n' ("" = none shown)
};

inline std::vector<ShellStep> shellSteps(const std::string& block) {
    std::vector<ShellStep> steps;
    std::istringstream in(block);
    std::string line;
    bool inExpected = false;
    while (std::getline(in, line)) {
        if (line.rfind("# ", 0) == 0 && !steps.empty()) {
            auto& e = steps.back().expected;
            e += (e.empty() ? "" : "\n") + line.substr(2);
            inExpected = true;
            continue;
        }
        if (steps.empty() || inExpected) {
            steps.push_back({});
            inExpected = false;
        }
        steps.back().command += line + "\n";
    }
    return steps;
}

// Replaces every occurrence of `from` in s.
inline std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
    return s;
}

}  // namespace pbtest
