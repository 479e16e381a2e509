// PythonOnDemand: the embedded interpreter and a SourceLocator on it, started the first time a
// command needs them. The warm path of the cost cache (evaluate/model_costs.h) answers from
// cached files and never asks, so a command that finds everything cached never starts Python.
#pragma once

#include <memory>

#include "locate/source_locator.h"
#include "python/session.h"

namespace kcost {

class PythonOnDemand {
 public:
  // Starts a session with `options` when first asked.
  explicit PythonOnDemand(SessionOptions options) : options_(std::move(options)), warm_allowed_(true) {}
  // An already started session. Its options are unknown here, so the cost cache's warm path,
  // which checks an entry against the environment's files, is not taken through it.
  PythonOnDemand(PythonSession& session, SourceLocator& locator) : session_(&session), locator_(&locator) {}

  const SessionOptions& options() const { return options_; }
  bool warm_allowed() const { return warm_allowed_; }
  bool started() const { return session_ != nullptr; }

  // Start on first use; PythonError when the environment is unusable.
  PythonSession& session() {
    if (!session_) session_ = &PythonSession::start(options_);
    return *session_;
  }
  SourceLocator& locator() {
    if (!locator_) {
      own_locator_ = std::make_unique<SourceLocator>(session());
      locator_ = own_locator_.get();
    }
    return *locator_;
  }

 private:
  SessionOptions options_;
  bool warm_allowed_ = false;
  PythonSession* session_ = nullptr;
  SourceLocator* locator_ = nullptr;
  std::unique_ptr<SourceLocator> own_locator_;
};

}  // namespace kcost
