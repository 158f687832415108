#include "terminal_link.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

#include "kessai/runtime/log.hpp"
#include "signing.hpp"

namespace kessai::sim::pos {

namespace {

bool is_protobuf(std::string_view content_type) {
  const std::string_view media_type = content_type.substr(0, content_type.find(';'));
  return media_type == kProtobufContentType;
}

bool is_retryable(const v1::ErrorReply& error) {
  return error.retryable() || error.code() == v1::PROCESSOR_UNAVAILABLE ||
         error.code() == v1::SERVICE_UNAVAILABLE || error.code() == v1::INTERNAL_ERROR;
}

bool is_sequence_refusal(const v1::ErrorReply& error) {
  return error.code() == v1::SEQUENCE_REPLAYED || error.code() == v1::SEQUENCE_OUT_OF_WINDOW;
}

}  // namespace

std::string error_code_name(int code) {
  if (v1::ErrorCode_IsValid(code)) return v1::ErrorCode_Name(static_cast<v1::ErrorCode>(code));
  return "ERROR_CODE_" + std::to_string(code);
}

bool is_fatal(v1::ErrorCode code) {
  switch (code) {
    case v1::UNSIGNED_REQUEST:
    case v1::BAD_SIGNATURE:
    case v1::UNKNOWN_TERMINAL:
    case v1::TERMINAL_REVOKED:
    case v1::MALFORMED_MESSAGE:
    case v1::UNKNOWN_FIELDS:
    case v1::UNSUPPORTED_VERSION:
    case v1::UNSUPPORTED_MEDIA_TYPE:
    case v1::NOT_FOUND:
    case v1::BATCH_TOO_LARGE:
      return true;
    default:
      return false;
  }
}

TerminalLink::TerminalLink(TerminalCredentials credentials, Transport& transport, MemoryStore& store,
                           TerminalClock& clock, TerminalMemory& memory)
    : credentials_(std::move(credentials)),
      transport_(transport),
      store_(store),
      clock_(clock),
      memory_(memory) {}

void TerminalLink::log_error_reply(std::string_view path, const v1::ErrorReply& error, unsigned http_status) {
  log::warn("pos_error_reply", {{"terminal", credentials_.terminal_id},
                                {"path", path},
                                {"http_status", http_status},
                                {"code", error_code_name(error.code())},
                                {"message", error.message()},
                                {"field", error.field()},
                                {"retryable", error.retryable()}});
}

TerminalLink::Core TerminalLink::send_once(std::string_view path, const std::string& body,
                                           const std::function<bool(const std::string&)>& parse_reply,
                                           bool& maybe_sent) {
  // A new number for every send, in the terminal's memory before it leaves.
  if (memory_.last_request_sequence >= kMemoryNumberMax)
    throw std::runtime_error("request sequence exhausted");
  const std::uint64_t sequence = ++memory_.last_request_sequence;
  store_.save(memory_);
  ++counters_.requests;
  WireRequest request{std::string(path), body,
                      signed_headers(credentials_.secret, credentials_.terminal_id, sequence, path, body)};
  const TransportOutcome outcome = transport_.post(request);
  Core core;
  maybe_sent = true;
  if (!outcome.reply) {
    ++counters_.transport_errors;
    maybe_sent = outcome.request_maybe_sent;
    core.problem = outcome.problem;
    log::warn("pos_no_answer", {{"terminal", credentials_.terminal_id},
                                {"path", path},
                                {"sequence", sequence},
                                {"problem", outcome.problem},
                                {"request_maybe_sent", outcome.request_maybe_sent}});
    return core;
  }
  const WireReply& reply = *outcome.reply;
  if (is_protobuf(reply.content_type)) {
    if (reply.status == 200 && parse_reply(reply.body)) {
      core.kind = AnswerKind::reply;
      return core;
    }
    if (reply.status >= 400 && core.error.ParseFromString(reply.body) && core.error.code() != 0) {
      maybe_sent = false;  // an ErrorReply: nothing was recorded
      core.kind = AnswerKind::refused;
      log_error_reply(path, core.error, reply.status);
      ++counters_.error_replies[error_code_name(core.error.code())];
      return core;
    }
  }
  ++counters_.malformed_replies;
  core.problem = "HTTP " + std::to_string(reply.status) + " " + reply.content_type +
                 " that is neither the reply nor an ErrorReply";
  log::warn("pos_malformed_reply", {{"terminal", credentials_.terminal_id},
                                    {"path", path},
                                    {"http_status", reply.status},
                                    {"content_type", reply.content_type},
                                    {"body_bytes", static_cast<std::uint64_t>(reply.body.size())}});
  return core;
}

TerminalLink::Core TerminalLink::send(std::string_view path, const std::string& body,
                                      const std::function<bool(const std::string&)>& parse_reply) {
  bool unanswered = false;
  std::int64_t wait_ms = kRetryWaitFirstMs;
  int attempts = 0;
  int jumps = 0;
  while (true) {
    bool maybe_sent = false;
    Core core = send_once(path, body, parse_reply, maybe_sent);
    unanswered = unanswered || (core.kind == AnswerKind::unreachable && maybe_sent);
    core.unanswered_maybe_recorded = unanswered;
    if (core.kind == AnswerKind::reply) return core;
    if (core.kind == AnswerKind::refused && is_sequence_refusal(core.error)) {
      if (++jumps > kSequenceJumpsMax) return core;
      const std::uint64_t jump = std::max(kSequenceJumpMin, memory_.last_request_sequence);
      memory_.last_request_sequence = std::min(kMemoryNumberMax - 1, memory_.last_request_sequence + jump);
      ++counters_.sequence_jumps;
      log::warn("pos_sequence_jump",
                {{"terminal", credentials_.terminal_id}, {"to", memory_.last_request_sequence + 1}});
      continue;
    }
    const bool retry = core.kind == AnswerKind::unreachable || is_retryable(core.error);
    if (!retry || ++attempts >= kAttemptsMax) return core;
    clock_.sleep_ms(wait_ms);
    wait_ms = std::min(wait_ms * 2, kRetryWaitMaxMs);
  }
}

}  // namespace kessai::sim::pos
