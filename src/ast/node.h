// The owned C++ form of a Python AST, built from the plain data python_helpers exports.
// A Node keeps the Python class name as its type ("Call", "BinOp", ...), its source position,
// and its fields: child nodes, lists of nodes, identifiers or operator names (strings), or a
// constant. Analysis code reads these; it never sees a Python object.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace kcost::ast {

struct Node;
using NodePtr = std::shared_ptr<const Node>;

// A Python constant. Integers keep their exact decimal text.
struct Constant {
  enum class Kind { None, Bool, Int, Float, Str, Bytes, Ellipsis, Other };
  Kind kind = Kind::None;
  std::string text;    // int: decimal digits; float: repr; str/bytes: the value; other: repr
  bool boolean = false;
};

// One field of a node: absent, a node, a list of nodes, a string, or a constant.
struct Field {
  enum class Kind { Missing, Node, List, String, Constant, Number };
  Kind kind = Kind::Missing;
  NodePtr node;
  std::vector<NodePtr> list;
  std::string string;
  Constant constant;
  long long number = 0;  // plain integer fields (ImportFrom.level, ...)
};

struct Node {
  std::string type;
  int line = 0, col = 0, end_line = 0, end_col = 0;  // 1-based
  std::map<std::string, Field> fields;

  bool is(const char* t) const { return type == t; }
  // The child node in `name`, or nullptr when the field is missing or None.
  const Node* child(const std::string& name) const;
  // The nodes in list field `name` (empty when missing).
  const std::vector<NodePtr>& list(const std::string& name) const;
  // The string in field `name` (identifier or operator name); "" when missing.
  const std::string& str(const std::string& name) const;
  // The constant of a Constant node.
  const Constant& constant() const;
};

struct AstError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Builds a tree from exported data; throws AstError naming the JSON path on malformed input.
NodePtr from_json(const nlohmann::json& data);

}  // namespace kcost::ast
