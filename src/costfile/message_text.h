// Text for one-line error messages: free text made one line, a value quoted with its control
// characters escaped, and JSON paths (`$.children['a.b'].kernel`) that name a field of a file.
// Every stage's messages use these, so that a message is always exactly one line.
#pragma once

#include <string>

namespace kcost {

// `s` with every control character (line breaks, tabs, ...) turned into a space.
std::string one_line(std::string s);

// `s` quoted for an error message: 'text', with \n, \r, \t and other control characters
// escaped (\xNN), so that the message stays on one line.
std::string quote_for_message(const std::string& s);

// A file path for an error message: as it is, but for control characters, escaped as in
// quote_for_message (a path made from a kernel name a file gives may hold a line break).
std::string path_for_message(const std::string& path);

// `base` extended by an object key: "$.children" + "q_proj" -> "$.children.q_proj"; keys that
// are not identifiers in brackets: "$.children['a.b']" (quote and backslash escaped, \n, other
// control characters as \xNN).
std::string json_path_key(const std::string& base, const std::string& key);

// `base` extended by an array index: "$.init_params" + 2 -> "$.init_params[2]".
std::string json_path_index(const std::string& base, size_t index);

}  // namespace kcost
