// Local multi-rank launcher (see launcher.h).
#include "dist/launcher.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <set>

#include "core/errors.h"

extern char** environ;

namespace ds::dist {

namespace {

volatile sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int sig) { g_stop_signal = sig; }

void write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;  // the launcher's own output is gone; nothing sensible to do
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
}

// One relayed output stream of one rank.
struct Stream {
  int fd = -1;         // read end of the pipe; -1 once closed
  int out_fd = 1;      // where its lines go (1 or 2)
  std::string prefix;  // "[rank R] "
  std::string pending;

  void emit_lines(bool flush_partial) {
    size_t start = 0;
    for (;;) {
      const size_t nl = pending.find('\n', start);
      if (nl == std::string::npos) break;
      std::string line = prefix + pending.substr(start, nl - start + 1);
      write_all(out_fd, line.data(), line.size());
      start = nl + 1;
    }
    pending.erase(0, start);
    if (flush_partial && !pending.empty()) {
      std::string line = prefix + pending + "\n";
      write_all(out_fd, line.data(), line.size());
      pending.clear();
    }
  }
  // Reads what is available; closes on EOF / error.
  void read_some() {
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      pending.append(buf, static_cast<size_t>(n));
      emit_lines(false);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      ::close(fd);
      fd = -1;
      emit_lines(true);
    }
  }
};

struct Rank {
  pid_t pid = -1;
  bool running = false;
  int status = 0;
  Stream out, err;
};

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = strsignal(sig);
    return "was killed by signal " + std::to_string(sig) + " (" + (name ? name : "?") + ")";
  }
  return "ended with wait status " + std::to_string(status);
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

int find_free_port(const std::string& addr) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw UsageError("launcher", std::string("socket(): ") + strerror(errno), "");
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = 0;
  if (::inet_pton(AF_INET, addr.c_str(), &sa.sin_addr) != 1) sa.sin_addr.s_addr = htonl(INADDR_ANY);
  socklen_t len = sizeof(sa);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    const std::string why = strerror(errno);
    ::close(fd);
    throw UsageError("launcher", "cannot find a free TCP port on " + addr + ": " + why,
                     "set MASTER_PORT explicitly");
  }
  ::close(fd);
  return ntohs(sa.sin_port);
}

std::vector<std::string> strip_nproc_flag(const std::vector<std::string>& argv, int* nproc) {
  std::vector<std::string> out;
  int n = 0;
  auto parse = [](const std::string& v) {
    char* end = nullptr;
    errno = 0;
    const long x = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno == ERANGE || x < 1 || x > 4096)
      throw UsageError("--nproc", "'" + v + "' is not a process count",
                       "--nproc N with N >= 1 (ranks on this machine)");
    return static_cast<int>(x);
  };
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--nproc") {
      if (i + 1 >= argv.size())
        throw UsageError("--nproc", "needs a value", "--nproc N with N >= 1");
      n = parse(argv[++i]);
    } else if (a.rfind("--nproc=", 0) == 0) {
      n = parse(a.substr(8));
    } else {
      out.push_back(a);
    }
  }
  if (nproc) *nproc = n;
  return out;
}

LaunchResult launch_local_ranks_ex(int nproc, const std::vector<std::string>& argv,
                                   const LaunchOptions& options) {
  if (nproc < 1) throw UsageError("--nproc", "must be >= 1, got " + std::to_string(nproc), "");
  if (argv.empty()) throw UsageError("launcher", "empty command line", "");
  const int port = options.master_port > 0 ? options.master_port : find_free_port(options.master_addr);

  // Everything the children need is built before fork (only async-signal-safe calls after it).
  std::set<std::string> ours = {"RANK",     "WORLD_SIZE",  "LOCAL_RANK", "LOCAL_WORLD_SIZE",
                                "MASTER_ADDR", "MASTER_PORT"};
  for (const auto& [k, v] : options.extra_env) ours.insert(k);
  std::vector<std::string> base_env;
  bool has_omp = false;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    const std::string key = kv.substr(0, kv.find('='));
    if (key == "OMP_NUM_THREADS") has_omp = true;
    if (!ours.count(key)) base_env.push_back(std::move(kv));
  }
  if (!has_omp && nproc > 1) base_env.push_back("OMP_NUM_THREADS=1");  // as torchrun does
  for (const auto& [k, v] : options.extra_env) base_env.push_back(k + "=" + v);
  base_env.push_back("WORLD_SIZE=" + std::to_string(nproc));
  base_env.push_back("LOCAL_WORLD_SIZE=" + std::to_string(nproc));
  base_env.push_back("MASTER_ADDR=" + options.master_addr);
  base_env.push_back("MASTER_PORT=" + std::to_string(port));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  // Stop requests to the launcher are forwarded to the ranks by the wait loop.
  g_stop_signal = 0;
  struct sigaction sa {}, old_int{}, old_term{};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  auto restore = [&] {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
  };

  std::vector<Rank> ranks(static_cast<size_t>(nproc));
  const pid_t parent = ::getpid();
  std::string start_error;
  for (int r = 0; r < nproc && start_error.empty(); ++r) {
    std::vector<std::string> env_r = base_env;
    env_r.push_back("RANK=" + std::to_string(r));
    env_r.push_back("LOCAL_RANK=" + std::to_string(r));
    std::vector<char*> envp;
    for (auto& kv : env_r) envp.push_back(kv.data());
    envp.push_back(nullptr);
    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    if (options.prefix_output &&
        (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)) {
      start_error = std::string("pipe(): ") + strerror(errno);
      break;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
      start_error = std::string("fork(): ") + strerror(errno);
      break;
    }
    if (pid == 0) {  // child
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);  // the launcher died before prctl
      ::signal(SIGPIPE, SIG_DFL);
      ::signal(SIGINT, SIG_DFL);
      ::signal(SIGTERM, SIG_DFL);
      if (options.prefix_output) {
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
      }
      ::execve(options.executable.c_str(), args.data(), envp.data());
      const char msg[] = "launcher: execve failed\n";
      ssize_t ignored = ::write(2, msg, sizeof(msg) - 1);
      (void)ignored;
      ::_exit(127);
    }
    Rank& rk = ranks[static_cast<size_t>(r)];
    rk.pid = pid;
    rk.running = true;
    if (options.prefix_output) {
      ::close(out_pipe[1]);
      ::close(err_pipe[1]);
      const std::string prefix = "[rank " + std::to_string(r) + "] ";
      rk.out = Stream{out_pipe[0], 1, prefix, {}};
      rk.err = Stream{err_pipe[0], 2, prefix, {}};
    }
  }

  LaunchResult result;
  bool stopping = false;
  auto deadline = std::chrono::steady_clock::time_point::max();
  bool killed = false;
  auto stop_others = [&] {
    stopping = true;
    for (auto& rk : ranks)
      if (rk.running) ::kill(rk.pid, SIGTERM);
    deadline = std::chrono::steady_clock::now() +
               std::chrono::milliseconds(static_cast<int64_t>(options.grace_s * 1000));
  };
  if (!start_error.empty()) {
    result.exit_code = 1;
    result.message = "could not start all ranks: " + start_error;
    stop_others();
  }

  for (;;) {
    // Relay output (100 ms poll, so exits and signals are noticed promptly).
    std::vector<pollfd> fds;
    std::vector<Stream*> streams;
    for (auto& rk : ranks)
      for (Stream* s : {&rk.out, &rk.err})
        if (s->fd >= 0) {
          fds.push_back(pollfd{s->fd, POLLIN, 0});
          streams.push_back(s);
        }
    bool any_running = false;
    for (auto& rk : ranks) any_running = any_running || rk.running;
    if (!any_running && fds.empty()) break;
    if (!fds.empty()) {
      const int ready = ::poll(fds.data(), fds.size(), any_running ? 100 : 0);
      if (ready > 0) {
        for (size_t i = 0; i < fds.size(); ++i)
          if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) streams[i]->read_some();
      } else if (!any_running) {
        // All ranks are gone but a pipe stays open (a grandchild holds it): stop relaying.
        for (Stream* s : streams) {
          ::close(s->fd);
          s->fd = -1;
          s->emit_lines(true);
        }
      }
    } else {
      ::usleep(100 * 1000);
    }

    for (size_t r = 0; r < ranks.size(); ++r) {
      Rank& rk = ranks[r];
      if (!rk.running) continue;
      int status = 0;
      const pid_t got = ::waitpid(rk.pid, &status, WNOHANG);
      if (got != rk.pid) continue;
      rk.running = false;
      rk.status = status;
      const bool failed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      if (failed && !stopping && result.failed_rank < 0) {
        result.failed_rank = static_cast<int>(r);
        result.exit_code = exit_code_of(status);
        result.message = "rank " + std::to_string(r) + " (pid " + std::to_string(rk.pid) + ") " +
                         describe_status(status) + "; stopping the other ranks";
        const std::string line = "launcher: " + result.message + "\n";
        write_all(2, line.data(), line.size());
        stop_others();
      }
    }
    if (g_stop_signal != 0 && !stopping) {
      result.exit_code = 128 + g_stop_signal;
      result.message = std::string("launcher received ") + strsignal(g_stop_signal) +
                       "; stopping all ranks";
      const std::string line = "launcher: " + result.message + "\n";
      write_all(2, line.data(), line.size());
      stop_others();
    }
    if (stopping && !killed && std::chrono::steady_clock::now() > deadline) {
      killed = true;
      for (auto& rk : ranks)
        if (rk.running) {
          const std::string line = "launcher: rank " + std::to_string(&rk - ranks.data()) +
                                   " did not stop within the grace period; sending SIGKILL\n";
          write_all(2, line.data(), line.size());
          ::kill(rk.pid, SIGKILL);
        }
    }
  }
  restore();
  return result;
}

int launch_local_ranks(int nproc, const std::vector<std::string>& argv,
                       const LaunchOptions& options) {
  return launch_local_ranks_ex(nproc, argv, options).exit_code;
}

}  // namespace ds::dist
