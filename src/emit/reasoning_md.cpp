#include "emit/reasoning_md.h"

#include <algorithm>
#include <sstream>
#include <string>

#include "costfile/message_text.h"

namespace kcost {
namespace {

// Longest run of backticks in `s`.
size_t longest_backtick_run(const std::string& s) {
  size_t best = 0, run = 0;
  for (char c : s) {
    run = c == '`' ? run + 1 : 0;
    best = std::max(best, run);
  }
  return best;
}

// `s` as an inline Markdown code span that shows it verbatim: on one line, fenced with more
// backticks than it contains.
std::string code(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (s.empty()) return "(empty)";
  const std::string fence(longest_backtick_run(s) + 1, '`');
  const bool pad = s.front() == '`' || s.back() == '`';
  return fence + (pad ? " " : "") + s + (pad ? " " : "") + fence;
}

// `text` as a fenced Python block.
std::string code_block(const std::string& text) {
  const std::string fence(std::max<size_t>(3, longest_backtick_run(text) + 1), '`');
  std::string body = text;
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  return fence + "python\n" + body + "\n" + fence + "\n";
}

std::string line_range(int first, int last) {
  if (first <= 0) return "lines unknown";
  if (last <= first) return "line " + std::to_string(first);
  return "lines " + std::to_string(first) + "-" + std::to_string(last);
}

// "line 42", or "path/other.py line 42" when the place is in another file than the class.
std::string place(const std::string& file, int line, const std::string& class_file) {
  std::string where = line > 0 ? "line " + std::to_string(line) : "line unknown";
  if (!file.empty() && file != class_file) where = code(file) + " " + where;
  return where;
}

std::string kind(const ChildCall& child) {
  if (child.kernel == "unknown") return "not modelled";
  return child.leaf ? "leaf" : "composite";
}

void write_list(std::ostringstream& out, const std::vector<std::string>& items,
                const std::string& none) {
  if (items.empty()) {
    out << none << "\n";
    return;
  }
  for (const std::string& item : items) out << "- " << code(item) << "\n";
}

void write_notes(std::ostringstream& out, const std::vector<TraceNote>& notes,
                 const std::string& class_file, const std::string& none) {
  if (notes.empty()) {
    out << none << "\n";
    return;
  }
  for (const TraceNote& note : notes)
    out << "- " << place(note.file, note.line, class_file) << ": " << one_line(note.text)
        << "\n";
}

std::string joined_params(const std::vector<std::string>& params) {
  if (params.empty()) return "none";
  std::string s;
  for (const std::string& p : params) s += (s.empty() ? "" : ", ") + code(p);
  return s;
}

}  // namespace

std::string reasoning_md(const KernelTrace& trace) {
  std::ostringstream out;
  const size_t unknowns = trace.unknown_count();
  size_t leaves = 0;
  for (const ChildCall& c : trace.children) leaves += c.kernel != "unknown" && c.leaf;

  out << "# " << code(trace.kernel_name) << "\n\n";

  out << "## Summary\n\n";
  out << "- Kind: composite (the cost is the sum of its children; no formulas of its own)\n";
  out << "- Children: " << trace.children.size() << " (" << leaves << " leaf, "
      << trace.children.size() - leaves - unknowns << " composite, " << unknowns
      << " unknown)\n";
  out << "- Unknowns: " << (unknowns == 0 ? "none" : std::to_string(unknowns) + ", see below")
      << "\n\n";

  out << "## Source\n\n";
  out << "- File: " << (trace.file.empty() ? "unknown" : code(trace.file)) << "\n";
  out << "- `__init__`: " << line_range(trace.init_first, trace.init_last) << "\n";
  out << "- `forward`: " << line_range(trace.forward_first, trace.forward_last) << "\n\n";

  out << "## Inputs\n\n";
  write_list(out, trace.inputs, "None traced.");
  out << "\n";

  out << "## Parameters\n\n";
  out << "- init_params: " << joined_params(trace.init_params) << "\n";
  out << "- forward_params: " << joined_params(trace.forward_params) << "\n";
  for (const std::string& p : trace.forward_params) {
    std::string origin = "origin not recorded";
    for (const auto& [name, text] : trace.forward_param_origins)
      if (name == p) origin = one_line(text);
    out << "  - " << code(p) << ": " << origin << "\n";
  }
  out << "\n";

  out << "## Children\n\n";
  if (trace.children.empty()) out << "None: forward() makes no cost-producing call.\n\n";
  for (const ChildCall& child : trace.children) {
    out << "### " << code(child.label) << "\n\n";
    out << "- Kernel: " << code(child.kernel) << " (" << kind(child) << ")\n";
    out << "- Call site: " << place(child.file, child.line, trace.file);
    const bool block = child.source.find('\n') != std::string::npos;
    if (child.source.empty()) {
      out << "\n";
    } else if (!block) {
      out << ": " << code(child.source) << "\n";
    } else {
      out << ":\n\n" << code_block(child.source) << "\n";
    }
    out << "- Inputs:";
    if (child.inputs.empty()) out << " none traced";
    out << "\n";
    for (const std::string& input : child.inputs) out << "  - " << code(input) << "\n";
    out << "- Count: " << code(child.count.str()) << "\n";
    out << "- Bindings:";
    if (child.bindings.empty()) out << " none";
    out << "\n";
    for (const auto& [param, value] : child.bindings)
      out << "  - " << code(param + " = " + value.str()) << "\n";
    out << "- Why: " << (child.why.empty() ? "not recorded" : one_line(child.why)) << "\n\n";
  }

  out << "## Branches\n\n";
  write_notes(out, trace.branches, trace.file, "None: forward() takes no decision.");
  out << "\n";

  out << "## Assumptions\n\n";
  write_notes(out, trace.assumptions, trace.file, "None beyond the default inference path.");
  out << "\n";

  out << "## Unknowns\n\n";
  if (unknowns == 0) {
    out << "None: every cost-producing call is modelled.\n";
  } else {
    out << "These calls could not be modelled; each is a child with kernel `unknown` that "
           "contributes no cost, so the totals leave it out.\n\n";
    for (const ChildCall& child : trace.children) {
      if (child.kernel != "unknown") continue;
      out << "- " << code(child.label) << " at " << place(child.file, child.line, trace.file);
      if (!child.source.empty()) out << " " << code(child.source);
      out << ": " << (child.why.empty() ? "no reason recorded" : one_line(child.why)) << "\n";
    }
  }
  return out.str();
}

}  // namespace kcost
