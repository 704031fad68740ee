// Record changes of a write unit, handed to a sink after the transaction commits (the realtime
// events' source). Light on purpose: included by records.cpp and the cascade code.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "basalt/schema/collection.hpp"
#include "basalt/store/store.hpp"

namespace basalt::service {

/// A record written or deleted by a write unit (a delete carries the record as it was).
struct RecordChange {
    enum class Action { kCreate, kUpdate, kDelete };
    Action action = Action::kCreate;
    schema::Record record;
};

/// Receives the record changes of a write unit after it committed — never for a rolled-back
/// unit. Called on the store's writer thread: implementations must return quickly.
class ChangeSink {
public:
    virtual ~ChangeSink() = default;
    virtual void Committed(std::vector<RecordChange> changes) = 0;

    /// False when nobody could receive the changes (no realtime client): writers then skip
    /// collecting them. Thread-safe and cheap.
    virtual bool Listening() const { return true; }
};

/// The sink worth collecting changes for, or null.
inline ChangeSink* ListeningSink(ChangeSink* sink) {
    return sink != nullptr && sink->Listening() ? sink : nullptr;
}

/// Registers `changes` to reach `sink` once `tx` commits (nothing when sink is null).
inline void PublishOnCommit(store::Tx& tx, ChangeSink* sink, std::vector<RecordChange> changes) {
    if (sink == nullptr || changes.empty()) {
        return;
    }
    tx.OnCommit([sink, ch = std::move(changes)]() mutable { sink->Committed(std::move(ch)); });
}

}  // namespace basalt::service
