#pragma once
// One terminal's line to kessai: each request gets the next request sequence number (kept in the
// terminal's memory, saved before it is sent), is signed and POSTed; the answer is read as the
// endpoint's reply or an ErrorReply. What a terminal does about an answer that never came, a retryable
// refusal or a sequence number kessai will not take is the same for every endpoint, so it is done here:
//
//   no answer, or one that is not the protocol's   → the same message again, a new sequence number,
//                                                    after a wait, up to kAttemptsMax sends
//   retryable ErrorReply (PROCESSOR_UNAVAILABLE,    → likewise: nothing was recorded
//     SERVICE_UNAVAILABLE, INTERNAL_ERROR, …)
//   SEQUENCE_REPLAYED, SEQUENCE_OUT_OF_WINDOW       → the terminal lost its place (its memory was
//                                                    reset): jump the sequence ahead, doubling, and send
//                                                    again at once, up to kSequenceJumpsMax times
//
// Every ErrorReply is logged with its code and message and counted.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "credentials.hpp"
#include "kessai/pos/v1/common.pb.h"
#include "terminal_memory.hpp"
#include "transport.hpp"

namespace kessai::sim::pos {

namespace v1 = ::kessai::pos::v1;

constexpr std::uint32_t kProtocolVersion = 1;

constexpr std::string_view kHelloPath = "/pos/v1/hello";
constexpr std::string_view kPaymentsPath = "/pos/v1/payments";
constexpr std::string_view kRefundsPath = "/pos/v1/refunds";
constexpr std::string_view kOfflineBatchesPath = "/pos/v1/offline_batches";
constexpr std::string_view kDayClosePath = "/pos/v1/day_close";

// Sends of one message before giving up, and the waits between them (doubling from the first).
constexpr int kAttemptsMax = 6;
constexpr std::int64_t kRetryWaitFirstMs = 250;
constexpr std::int64_t kRetryWaitMaxMs = 4'000;
// Sequence jumps for one message; 40 doublings from 64 pass any counter a terminal could have used.
constexpr int kSequenceJumpsMax = 40;
constexpr std::uint64_t kSequenceJumpMin = 64;  // kessai's window

// Stable numbers; never renumber.
enum class AnswerKind : std::uint8_t {
  reply = 1,        // the endpoint's reply
  refused = 2,      // an ErrorReply that retrying did not change: nothing was recorded
  unreachable = 3,  // no usable answer after every attempt
};

struct LinkCounters {
  std::uint64_t requests = 0;  // sends, retries included
  std::uint64_t transport_errors = 0;
  std::uint64_t malformed_replies = 0;  // answers that were neither the reply nor an ErrorReply
  std::uint64_t sequence_jumps = 0;
  std::map<std::string, std::uint64_t> error_replies = {};  // by ErrorCode name
};

template <typename Reply>
struct Answer {
  AnswerKind kind = AnswerKind::unreachable;
  Reply reply = {};
  v1::ErrorReply error = {};  // refused: the last ErrorReply
  // A send of this message got no usable answer and may have been recorded by kessai (with a reply: a
  // send before it). A reply may then be flagged duplicate=true, or not, without either being wrong;
  // without a reply, the transaction may exist in kessai.
  bool unanswered_maybe_recorded = false;
  std::string problem = "";  // unreachable: the last thing that went wrong
};

// The name of an ErrorCode, or "ERROR_CODE_<n>" for one this version does not know.
std::string error_code_name(int code);
// Errors that no retry of any request will change: a terminal that meets one stops.
bool is_fatal(v1::ErrorCode code);

class TerminalLink {
 public:
  TerminalLink(TerminalCredentials credentials, Transport& transport, MemoryStore& store,
               TerminalClock& clock, TerminalMemory& memory);

  template <typename Reply>
  Answer<Reply> call(std::string_view path, const google::protobuf::MessageLite& request) {
    Answer<Reply> answer;
    const Core core = send(path, request.SerializeAsString(),
                           [&answer](const std::string& body) { return answer.reply.ParseFromString(body); });
    answer.kind = core.kind;
    answer.error = core.error;
    answer.unanswered_maybe_recorded = core.unanswered_maybe_recorded;
    answer.problem = core.problem;
    return answer;
  }

  const LinkCounters& counters() const { return counters_; }
  const TerminalCredentials& credentials() const { return credentials_; }

 private:
  struct Core {
    AnswerKind kind = AnswerKind::unreachable;
    v1::ErrorReply error = {};
    bool unanswered_maybe_recorded = false;
    std::string problem = "";
  };
  // One send: reply parsed by parse_reply (kind reply), an ErrorReply (kind refused), or nothing usable
  // (kind unreachable, with maybe_sent).
  Core send_once(std::string_view path, const std::string& body,
                 const std::function<bool(const std::string&)>& parse_reply, bool& maybe_sent);
  Core send(std::string_view path, const std::string& body,
            const std::function<bool(const std::string&)>& parse_reply);
  void log_error_reply(std::string_view path, const v1::ErrorReply& error, unsigned http_status);

  TerminalCredentials credentials_;
  Transport& transport_;
  MemoryStore& store_;
  TerminalClock& clock_;
  TerminalMemory& memory_;
  LinkCounters counters_;
};

}  // namespace kessai::sim::pos
