// Incremental multipart/form-data parsing (RFC 7578, read as Go's mime/multipart does): fed the
// body in pieces of any size, it yields each part's headers and then its bytes as they arrive,
// so a file part never has to be held whole in memory. Pure logic (no I/O); api-internal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "basalt/base/result.hpp"

namespace basalt::api {

/// Pull parser over a growing input buffer. Usage: Next() until kNeedMore, then Feed() more input
/// (or FinishInput() at the end of the body) and continue; kPartBegin, kData* and kPartEnd come
/// per part, kDone after the closing delimiter (anything after it is ignored). Malformed input is
/// kInvalidArgument. Not thread-safe.
class MultipartParser {
public:
    enum class Event { kNeedMore, kPartBegin, kData, kPartEnd, kDone };

    /// A part's Content-Disposition name and filename (kept as sent; empty when absent) and its
    /// Content-Type.
    struct Part {
        std::string name;
        std::string filename;
        std::string content_type;
    };

    /// Longest accepted header section of one part.
    static constexpr std::size_t kMaxPartHeader = 16 * 1024;

    explicit MultipartParser(std::string_view boundary);

    /// Appends input; invalidates the view data() returned.
    void Feed(std::string_view input);
    /// No more input will come.
    void FinishInput() { eof_ = true; }

    Result<Event> Next();

    /// The current part (valid from kPartBegin until the next kPartBegin).
    const Part& part() const { return part_; }
    /// The bytes of a kData event (valid until the next Feed).
    std::string_view data() const { return data_; }

private:
    enum class State { kPreamble, kAfterDelimiter, kHeaders, kBody, kDone };

    Result<Event> NeedMore();
    Status ParseHeaders(std::string_view headers);

    std::string dash_boundary_;  // "--" boundary
    std::string delimiter_;      // "\r\n--" boundary
    std::string buf_;
    std::size_t pos_ = 0;  // first unconsumed byte of buf_
    State state_ = State::kPreamble;
    bool eof_ = false;
    Part part_;
    std::string_view data_;
};

/// The `name` parameter of a header value like Content-Disposition or Content-Type ("" if absent).
std::string_view HeaderParam(std::string_view header, std::string_view name);

}  // namespace basalt::api
