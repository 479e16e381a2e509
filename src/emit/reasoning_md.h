// The reasoning file of one traced kernel (<costs>/<kernel>.md, the spec's memory file): plain
// Markdown a reader can check against the source. Sections, in this order: title; Summary
// (kind, child and unknown counts); Source (file, __init__ and forward line ranges); Inputs (the
// forward inputs as traced); Parameters (init and forward params, where each forward param
// comes from); Children (one subsection per child in trace order: kernel and whether it is a
// leaf, a composite or unknown, call site line and source text, input shapes, count, bindings,
// why); Branches (taken and skipped, with lines and what decided them); Assumptions; Unknowns
// (every child with kernel "unknown", its line and reason, or "None."). Deterministic: the
// same trace always gives the same bytes.
#pragma once

#include <string>

#include "trace/kernel_trace.h"

namespace kcost {

std::string reasoning_md(const KernelTrace& trace);

}  // namespace kcost
