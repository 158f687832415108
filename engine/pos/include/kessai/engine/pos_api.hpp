#pragma once
// The POS protocol's HTTP side (docs/pos-protocol.md): Protobuf messages over POST /pos/v1/..., signed by
// registered terminals. Payments go through the same PaymentService (router, adapters, ledger postings) as
// the JSON API; this layer adds terminal identity, transaction numbers, offline uploads and the day close.
// Protobuf stays inside pos_api.cpp: this header is light.

#include <string_view>

#include "kessai/engine/business_day.hpp"
#include "kessai/engine/environment.hpp"
#include "kessai/engine/payment_service.hpp"
#include "kessai/engine/pos_store.hpp"
#include "kessai/engine/router.hpp"
#include "kessai/runtime/http_types.hpp"
#include "kessai/runtime/worker_pool.hpp"

namespace kessai::engine {

inline constexpr std::uint32_t kPosProtocolVersion = 1;
inline constexpr std::size_t kPosBatchMax = 500;
inline constexpr std::size_t kPosGapRangesMax = 100;
inline constexpr std::size_t kPosReceiptTextBytesMax = 200;

struct PosServices {
  PaymentService& payments;
  PaymentStore& payment_store;
  PosStore& store;
  Router& router;
  const Clock& clock;
  IdGenerator& ids;
  BusinessDay business_day;
  runtime::WorkerPool& workers;
};

class PosApi {
 public:
  explicit PosApi(PosServices services) : services_(services) {}

  static bool serves(std::string_view path) { return path.starts_with("/pos/"); }
  // The server's handler for /pos/...: the work runs on the worker pool.
  void handle(runtime::HttpRequest request, runtime::Responder respond);
  // Answers one request, blocking (the worker's part of handle; tests call it directly).
  runtime::HttpResponse serve(const runtime::HttpRequest& request);

  struct Session;

 private:
  PosServices services_;
};

}  // namespace kessai::engine
