// kessai-sim pos: a fleet of POS terminals against kessaid. The terminals' logic is the kessai_sim_pos
// library's (terminal.hpp); here are the process's parts: the options, the credentials file, each
// terminal's memory file in --state-dir, an HTTP client per terminal, one thread per terminal, progress
// lines on stderr, and the summary on stdout (and in --report).

#include "pos_fleet_main.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/json/serialize.hpp>

#include "credentials.hpp"
#include "fleet_report.hpp"
#include "kessai/runtime/http_client.hpp"
#include "kessai/runtime/log.hpp"
#include "pos_options.hpp"
#include "signing.hpp"
#include "terminal.hpp"
#include "terminal_memory.hpp"

namespace kessai::sim::pos {

namespace {

// kessaid may hold a payment while its processor answers (up to its own timeouts) before PENDING.
constexpr std::chrono::milliseconds kRequestTimeout{30'000};
constexpr std::chrono::milliseconds kConnectTimeout{2'000};
constexpr std::size_t kReplyBytesMax = 4 * 1024 * 1024;  // a reply to a batch of 500 is far below
constexpr std::uintmax_t kFileBytesMax = 64 * 1024 * 1024;
constexpr std::chrono::seconds kProgressInterval{2};

class HttpTransport final : public Transport {
 public:
  explicit HttpTransport(const std::string& base_url)
      : client_(base_url, runtime::ClientLimits{kConnectTimeout, kRequestTimeout, kReplyBytesMax, 1}) {}

  TransportOutcome post(const WireRequest& request) override {
    auto response =
        client_.request("POST", request.path, request.body, kProtobufContentType, request.headers);
    if (!response) {
      return TransportOutcome{std::nullopt, response.error().request_maybe_sent, response.error().message};
    }
    return TransportOutcome{WireReply{response->status, response->content_type, std::move(response->body)}};
  }

 private:
  runtime::HttpClient client_;
};

class SystemClock final : public TerminalClock {
 public:
  std::int64_t unix_ms() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void sleep_ms(std::int64_t duration_ms) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(duration_ms));
  }
};

// The memory as a file, replaced whole (written beside, then renamed) so a crash leaves the old or the
// new one. Not fsynced: the simulator models the process dying, not the machine.
class FileMemoryStore final : public MemoryStore {
 public:
  FileMemoryStore(std::filesystem::path path, std::string terminal_id)
      : path_(std::move(path)), terminal_id_(std::move(terminal_id)) {}

  void save(const TerminalMemory& memory) override {
    const std::filesystem::path part = path_.string() + ".part";
    {
      std::ofstream out(part, std::ios::binary | std::ios::trunc);
      out << format_memory(terminal_id_, memory);
      out.flush();
      if (!out) throw std::runtime_error("cannot write " + part.string());
    }
    std::error_code error;
    std::filesystem::rename(part, path_, error);
    if (error) throw std::runtime_error("cannot rename " + part.string() + ": " + error.message());
  }

 private:
  std::filesystem::path path_;
  std::string terminal_id_;
};

std::optional<std::string> read_file(const std::string& path, std::string& text) {
  std::error_code error;
  const std::uintmax_t bytes = std::filesystem::file_size(path, error);
  if (error) return "cannot read " + path + ": " + error.message();
  if (bytes > kFileBytesMax) return path + " is larger than " + std::to_string(kFileBytesMax) + " bytes";
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in) return "cannot read " + path;
  text = content.str();
  return std::nullopt;
}

// A file name for the terminal's memory: its id, with anything but letters, digits, '-' and '_' as '_'.
std::string memory_file_name(const std::string& terminal_id) {
  std::string name = terminal_id;
  for (char& c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!plain) c = '_';
  }
  return name + ".memory";
}

// Each terminal's memory from --state-dir (a fresh one when it has no file yet); the problem otherwise.
std::optional<std::string> load_memories(const std::string& state_dir,
                                         const std::vector<TerminalCredentials>& fleet,
                                         std::vector<TerminalMemory>& memories) {
  std::error_code error;
  std::filesystem::create_directories(state_dir, error);
  if (error) return "cannot create --state-dir " + state_dir + ": " + error.message();
  for (const TerminalCredentials& terminal : fleet) {
    const std::filesystem::path path =
        std::filesystem::path(state_dir) / memory_file_name(terminal.terminal_id);
    memories.emplace_back();
    if (!std::filesystem::exists(path)) continue;
    std::string text;
    if (auto problem = read_file(path.string(), text)) return problem;
    auto parsed = parse_memory(text);
    if (auto* problem = std::get_if<std::string>(&parsed)) return path.string() + ": " + *problem;
    memories.back() = std::get<TerminalMemory>(std::move(parsed));
  }
  return std::nullopt;
}

// Progress on stderr every kProgressInterval until stopped.
class Progress {
 public:
  Progress(std::uint64_t sales_total, std::uint64_t terminals)
      : sales_total_(sales_total), terminals_(terminals), worker_([this] { run(); }) {}
  ~Progress() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
  }
  void sale_done() { sales_done_.fetch_add(1, std::memory_order_relaxed); }
  void terminal_done() { terminals_done_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, kProgressInterval, [this] { return stopping_; })) {
      log::info("pos_fleet_progress", {{"sales_done", sales_done_.load()},
                                       {"sales_total", sales_total_},
                                       {"terminals_done", terminals_done_.load()},
                                       {"terminals", terminals_}});
    }
  }

  std::uint64_t sales_total_;
  std::uint64_t terminals_;
  std::atomic<std::uint64_t> sales_done_{0};
  std::atomic<std::uint64_t> terminals_done_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread worker_;
};

std::vector<TerminalReport> run_fleet(const FleetOptions& options,
                                      const std::vector<TerminalCredentials>& fleet,
                                      std::vector<TerminalMemory> memories) {
  std::vector<TerminalReport> reports(fleet.size());
  Progress progress(options.payments * fleet.size(), fleet.size());
  std::vector<std::thread> threads;
  threads.reserve(fleet.size());
  for (std::size_t index = 0; index < fleet.size(); ++index) {
    threads.emplace_back([&, index] {
      const TerminalCredentials& credentials = fleet[index];
      try {
        HttpTransport transport(options.kessai_url);
        FileMemoryStore store(
            std::filesystem::path(options.state_dir) / memory_file_name(credentials.terminal_id),
            credentials.terminal_id);
        SystemClock clock;
        Terminal terminal(credentials, terminal_plan(options), std::move(memories[index]), transport, store,
                          clock, [&progress] { progress.sale_done(); });
        reports[index] = terminal.run();
      } catch (const std::exception& error) {
        reports[index].terminal_id = credentials.terminal_id;
        reports[index].facility_id = credentials.facility_id;
        reports[index].stopped = error.what();
      }
      progress.terminal_done();
    });
  }
  for (std::thread& thread : threads) thread.join();
  return reports;
}

// The credentials file read, parsed and cut to the fleet; the problem otherwise.
std::variant<std::vector<TerminalCredentials>, std::string> fleet_of(const FleetOptions& options) {
  std::string text;
  if (auto problem = read_file(options.credentials_path, text)) return "--credentials: " + *problem;
  auto all = parse_credentials(text);
  if (auto* problem = std::get_if<std::string>(&all)) return options.credentials_path + ": " + *problem;
  return select_fleet(std::get<0>(all), options.facilities, options.terminals);
}

}  // namespace

int run_pos_fleet(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::fputs(kPosUsage.data(), stdout);
      return 0;
    }
  }
  auto parsed = parse_fleet_options(args);
  if (auto* problem = std::get_if<std::string>(&parsed)) {
    std::fprintf(stderr, "kessai-sim pos: %s\n%s", problem->c_str(), kPosUsage.data());
    return 2;
  }
  const FleetOptions& options = std::get<FleetOptions>(parsed);
  log::configure("kessai-sim pos", log::Level::info);
  auto fleet = fleet_of(options);
  if (auto* problem = std::get_if<std::string>(&fleet)) {
    std::fprintf(stderr, "kessai-sim pos: %s\n", problem->c_str());
    return 2;
  }
  const std::vector<TerminalCredentials>& terminals = std::get<0>(fleet);
  std::vector<TerminalMemory> memories;
  if (auto problem = load_memories(options.state_dir, terminals, memories)) {
    std::fprintf(stderr, "kessai-sim pos: %s\n", problem->c_str());
    return 1;
  }
  log::info("pos_fleet_start", {{"kessai_url", options.kessai_url},
                                {"facilities", options.facilities},
                                {"terminals", static_cast<std::uint64_t>(terminals.size())},
                                {"payments", options.payments},
                                {"seed", options.seed}});
  const std::vector<TerminalReport> reports = run_fleet(options, terminals, std::move(memories));
  const FleetVerdict verdict = fleet_verdict(reports);
  const std::string summary =
      boost::json::serialize(fleet_summary(reports, options.facilities, options.seed, verdict));
  std::fprintf(stdout, "%s\n", summary.c_str());
  std::fflush(stdout);
  int status = verdict.passed ? 0 : 1;
  if (!options.report_path.empty()) {
    std::ofstream out(options.report_path, std::ios::binary | std::ios::trunc);
    out << summary << "\n";
    out.flush();
    if (!out) {
      std::fprintf(stderr, "kessai-sim pos: cannot write --report %s\n", options.report_path.c_str());
      status = 1;
    }
  }
  for (const std::string& reason : verdict.reasons)
    std::fprintf(stderr, "kessai-sim pos: %s\n", reason.c_str());
  return status;
}

}  // namespace kessai::sim::pos
