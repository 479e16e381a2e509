#include "ast/node.h"

#include <nlohmann/json.hpp>

namespace kcost::ast {

namespace {

const std::vector<NodePtr> kNoNodes;
const std::string kNoString;
const Constant kNoConstant;

Constant constant_from_json(const nlohmann::json& data, const std::string& path) {
  if (!data.is_object() || !data.contains("kind") || !data["kind"].is_string())
    throw AstError(path + ": constant without a kind");
  Constant c;
  const std::string kind = data["kind"].get<std::string>();
  auto text = [&] {
    if (!data.contains("value") || !data["value"].is_string())
      throw AstError(path + ": constant of kind " + kind + " without a text value");
    return data["value"].get<std::string>();
  };
  if (kind == "none") {
    c.kind = Constant::Kind::None;
  } else if (kind == "ellipsis") {
    c.kind = Constant::Kind::Ellipsis;
  } else if (kind == "bool") {
    c.kind = Constant::Kind::Bool;
    c.boolean = data.value("value", false);
    c.text = c.boolean ? "True" : "False";
  } else if (kind == "int") {
    c.kind = Constant::Kind::Int;
    c.text = text();
  } else if (kind == "float") {
    c.kind = Constant::Kind::Float;
    c.text = text();
  } else if (kind == "str") {
    c.kind = Constant::Kind::Str;
    c.text = text();
  } else if (kind == "bytes") {
    c.kind = Constant::Kind::Bytes;
    c.text = text();
  } else {
    c.kind = Constant::Kind::Other;
    c.text = data.value("value", "");
  }
  return c;
}

NodePtr build(const nlohmann::json& data, const std::string& path);

Field field_from_json(const nlohmann::json& value, const std::string& path) {
  Field f;
  if (value.is_null()) {
    f.kind = Field::Kind::Missing;
  } else if (value.is_string()) {
    f.kind = Field::Kind::String;
    f.string = value.get<std::string>();
  } else if (value.is_number_integer()) {
    f.kind = Field::Kind::Number;
    f.number = value.get<long long>();
  } else if (value.is_object()) {
    f.kind = Field::Kind::Node;
    f.node = build(value, path);
  } else if (value.is_array()) {
    f.kind = Field::Kind::List;
    for (size_t i = 0; i < value.size(); ++i) {
      const auto& item = value[i];
      std::string item_path = path + "[" + std::to_string(i) + "]";
      if (item.is_null()) {
        f.list.push_back(nullptr);  // e.g. Dict keys for **spread
      } else if (item.is_object()) {
        f.list.push_back(build(item, item_path));
      } else if (item.is_string()) {
        // Lists of identifiers (Global.names) or operators (Compare.ops): wrap as Name-like nodes.
        auto leaf = std::make_shared<Node>();
        leaf->type = "identifier";
        Field s;
        s.kind = Field::Kind::String;
        s.string = item.get<std::string>();
        leaf->fields["id"] = s;
        f.list.push_back(leaf);
      } else {
        throw AstError(item_path + ": unexpected list item");
      }
    }
  } else if (value.is_boolean()) {
    f.kind = Field::Kind::Number;
    f.number = value.get<bool>() ? 1 : 0;
  } else {
    throw AstError(path + ": unexpected field value");
  }
  return f;
}

NodePtr build(const nlohmann::json& data, const std::string& path) {
  if (!data.is_object() || !data.contains("_type") || !data["_type"].is_string())
    throw AstError(path + ": not an AST node");
  auto node = std::make_shared<Node>();
  node->type = data["_type"].get<std::string>();
  node->line = data.value("line", 0);
  node->col = data.value("col", 0);
  node->end_line = data.value("end_line", node->line);
  node->end_col = data.value("end_col", node->col);
  for (auto it = data.begin(); it != data.end(); ++it) {
    const std::string& key = it.key();
    if (key == "_type" || key == "line" || key == "col" || key == "end_line" || key == "end_col")
      continue;
    std::string field_path = path + "." + key;
    if (node->type == "Constant" && key == "value") {
      Field f;
      f.kind = Field::Kind::Constant;
      f.constant = constant_from_json(it.value(), field_path);
      node->fields[key] = std::move(f);
    } else {
      node->fields[key] = field_from_json(it.value(), field_path);
    }
  }
  return node;
}

}  // namespace

const Node* Node::child(const std::string& name) const {
  auto it = fields.find(name);
  return it != fields.end() && it->second.kind == Field::Kind::Node ? it->second.node.get() : nullptr;
}

const std::vector<NodePtr>& Node::list(const std::string& name) const {
  auto it = fields.find(name);
  return it != fields.end() && it->second.kind == Field::Kind::List ? it->second.list : kNoNodes;
}

const std::string& Node::str(const std::string& name) const {
  auto it = fields.find(name);
  return it != fields.end() && it->second.kind == Field::Kind::String ? it->second.string : kNoString;
}

const Constant& Node::constant() const {
  auto it = fields.find("value");
  return it != fields.end() && it->second.kind == Field::Kind::Constant ? it->second.constant
                                                                          : kNoConstant;
}

NodePtr from_json(const nlohmann::json& data) { return build(data, "$"); }

}  // namespace kcost::ast
