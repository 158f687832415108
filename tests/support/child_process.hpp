#pragma once
// A real child process for end-to-end tests: started with posix_spawn, output to a log file, stopped
// with SIGTERM (then SIGKILL) when the test ends.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace kessai::testing {

class ChildProcess {
 public:
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::vector<std::string>& extra_env, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running();
  // Sends SIGTERM and waits; returns the exit status (or 128+signal).
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10'000));
  // Waits for the process to end by itself; returns its status or -1 after the timeout.
  int wait_exit(std::chrono::milliseconds timeout);
  const std::string& log_path() const { return log_path_; }
  std::string log_tail(std::size_t bytes = 4000) const;

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_path_;
};

// Runs a command to completion; returns its exit status and fills output with stdout+stderr.
int run_command(const std::string& program, const std::vector<std::string>& args,
                const std::vector<std::string>& extra_env, std::string& output);

// Waits until the file holds a port number; 0 after the timeout.
unsigned wait_for_port_file(const std::string& path, std::chrono::milliseconds timeout);

// A fresh temporary directory for one test.
std::string make_temp_dir(const std::string& prefix);

}  // namespace kessai::testing
