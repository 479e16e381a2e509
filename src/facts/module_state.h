// State a parent sets on a module after constructing it: a module value is its class, its
// constructor's arguments, and what was set on it (or on its submodules) once it was built,
//
//   for layer in self.layers:                                    # FalconH1Model.__init__
//       layer.mamba.register_buffer("mup_vector", mup_vector.clone(), persistent=False)
//
// makes every layer `FalconH1DecoderLayer(config, layer_idx=i, self.mamba.mup_vector=<[1, 1, n]
// buffer>)`: the module whose __init__ ran, then `self.mamba.mup_vector` set on it. Such state is
// kept with the constructor's arguments, as an argument named by its path from the module
// (`self.` and the attribute names: never a Python keyword, so it is told apart from the
// constructor's own), so that everything that carries a module's arguments carries it too: the
// facts of a module built with those arguments (build_module_facts applies it after __init__),
// memo keys, call sites and a kernel's own arguments, and the kind of a layer (layer_kinds:
// layers given different state are different kinds; given the same, one).
#pragma once

#include <string>
#include <vector>

#include "interp/value.h"

namespace kcost {

// Whether `a` is state set after construction (`self.<path>`), not a constructor argument.
bool is_state_argument(const Arg& a);
// The attribute path of a state argument ("mamba.mup_vector" of `self.mamba.mup_vector`).
std::string state_path(const Arg& a);
// `args` without state arguments: what the constructor is called with.
std::vector<Arg> constructor_arguments(const std::vector<Arg>& args);
// `args`' state arguments, in the order they were set.
std::vector<Arg> state_arguments(const std::vector<Arg>& args);
// `module` with `value` set at `path` ("mup_vector", "mamba.mup_vector") after construction; what
// was set at that path before is replaced (a later assignment wins, as in Python).
ValuePtr with_state(const Value& module, const std::string& path, ValuePtr value);
// `path`'s first attribute name and the rest ("mamba", "mup_vector"); rest is "" for one name.
std::pair<std::string, std::string> split_state_path(const std::string& path);

}  // namespace kcost
