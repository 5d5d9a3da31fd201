/*
 * rtsp-handshakes: the load client of the handshakes bench (bench/handshakes.ts compiles and runs it).
 *
 * The Node client (handshake() in bench/handshakes.ts) took about a core of its own at ~700
 * handshakes/s, so the rate it measured was its own. This program sends the very same requests,
 * with the same headers, from one thread with epoll and non-blocking sockets: PARALLEL slots, each a
 * state machine that on a fresh TCP connection sends OPTIONS, DESCRIBE (Accept: application/sdp),
 * SETUP (Content-Base + CONTROL; interleaved=0-1 or client_port=P-P+1), PLAY (Session, Range:
 * npt=0.000-), TEARDOWN (Session), closes, and starts the next handshake at once. RTSP 1.0 is
 * RFC 2326: responses (section 7) are a header block ending in an empty line and Content-Length
 * bytes of body; interleaved binary data (section 10.12) is '$', a channel byte, a 16-bit length
 * and that many bytes, and may come before, between or after responses (instant start after PLAY).
 *
 * A status other than 200, a request without an answer in REPLY_TIMEOUT_MS, or a connection error
 * is a failure: the slot closes, counts it, keeps the first error's text and starts again after
 * RETRY_DELAY_MS. No handshake starts after SECONDS; those under way finish.
 *
 * Usage: rtsp-handshakes --host A.B.C.D --port N --url rtsp://… --control trackID=0
 *                        [--transport tcp|udp] [--parallel 16] [--seconds 5]
 * Output, one line on stdout at the end:
 *   {"done":N,"failed":N,"firstError":"…"|null,"p50Ms":X|null,"p99Ms":X|null,"seconds":X,"cpuSeconds":X}
 * p50/p99 are of connect … TEARDOWN's answer, from a histogram of HIST_BUCKET_NS buckets (linear
 * interpolation between closest ranks, as percentile() in bench/stats.ts); cpuSeconds is this
 * process's utime + stime over the run.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL
#define REPLY_TIMEOUT_MS 5000
#define RETRY_DELAY_MS 10
#define MAX_PARALLEL 1024

/* RFC 2326 section 10.12: '$', channel, 16-bit big-endian length. */
#define INTERLEAVED_MAGIC '$'
#define INTERLEAVED_HEADER 4
#define HEADER_END "\r\n\r\n"
#define HEADER_END_LEN 4
/* "RTSP/1.0 200 OK": the status code's offset and length. */
#define STATUS_OFFSET 9
#define STATUS_LEN 3
#define STATUS_OK 200

/* One read takes whatever the kernel has: after PLAY over TCP a server may send hundreds of KB of
 * interleaved media at once, which is skipped in place. Only a partial response or frame header
 * is copied, into the slot's CARRY_MAX buffer (the largest answer, a DESCRIBE with its SDP, is a
 * few KB). */
#define READ_BUFFER (1 << 20)
#define CARRY_MAX (32 * 1024)
#define REQUEST_MAX 4096
#define URL_MAX 1024
#define SESSION_MAX 256
#define ERROR_MAX 256
#define MAX_EVENTS 256

/* UDP client ports as the Node client picks them: BASE + 2 * ((slot * STRIDE + attempt) % SPAN). */
#define CLIENT_PORT_BASE 40000
#define CLIENT_PORT_STRIDE 1000
#define CLIENT_PORT_SPAN 10000

/* Latency histogram: HIST_BUCKET_NS wide buckets up to HIST_BUCKETS * HIST_BUCKET_NS (10 s, two
 * handshakes' worth of timeouts); a slower one counts in `overflow` and is reported as the slowest
 * seen. Fixed size, so a long run does not grow. */
#define HIST_BUCKET_NS 10000LL
#define HIST_BUCKETS 1000000

enum step { OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, STEPS };
static const char *const METHOD[STEPS] = {"OPTIONS", "DESCRIBE", "SETUP", "PLAY", "TEARDOWN"};

enum state { IDLE, CONNECTING, TALKING, FINISHED };

struct slot {
  enum state st;
  int fd;
  uint32_t gen; /* bumped on every close: epoll events of an earlier socket are told apart */
  enum step step;
  int cseq;
  unsigned attempt;
  int64_t t0, deadline; /* deadline: of the connect or the answer (TALKING), or of the retry delay (IDLE) */
  char out[REQUEST_MAX];
  size_t out_len, out_off;
  int want_out;
  unsigned char carry[CARRY_MAX];
  size_t have;
  size_t skip; /* bytes of an interleaved frame still to discard */
  char session[SESSION_MAX];
  char base[URL_MAX];
};

struct options {
  struct sockaddr_in addr;
  const char *url;
  const char *control;
  int udp;
  int parallel;
  double seconds;
};

static struct options opt;
static struct slot *slots;
static int epfd;
static int64_t run_end;
static int64_t done_count, failed_count;
static char first_error[ERROR_MAX];
static uint32_t hist[HIST_BUCKETS];
static int64_t overflow, slowest_ns;
static unsigned char rbuf[READ_BUFFER];

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void record(int64_t ns) {
  if (ns > slowest_ns) slowest_ns = ns;
  int64_t b = ns / HIST_BUCKET_NS;
  if (b < HIST_BUCKETS)
    hist[b]++;
  else
    overflow++;
}

/* The value of the sample at 0-based rank `rank`: its bucket's middle (overflow: the slowest). */
static double value_at(int64_t rank) {
  int64_t seen = 0;
  for (int64_t b = 0; b < HIST_BUCKETS; b++) {
    seen += hist[b];
    if (seen > rank) return ((double)b + 0.5) * (double)HIST_BUCKET_NS;
  }
  return (double)slowest_ns;
}

/* percentile() of bench/stats.ts: linear interpolation between closest ranks; ms; <0 for none. */
static double percentile_ms(double p) {
  if (done_count == 0) return -1;
  double rank = p / 100.0 * (double)(done_count - 1);
  int64_t lo = (int64_t)rank;
  int64_t hi = lo + (rank > (double)lo ? 1 : 0);
  double vlo = value_at(lo), vhi = value_at(hi);
  return (vlo + (vhi - vlo) * (rank - (double)lo)) / (double)NS_PER_MS;
}

static void watch(struct slot *s, uint32_t events, int op) {
  uint32_t idx = (uint32_t)(s - slots);
  struct epoll_event ev = {.events = events, .data.u64 = ((uint64_t)s->gen << 32) | idx};
  epoll_ctl(epfd, op, s->fd, &ev);
}

static void close_slot(struct slot *s) {
  if (s->fd >= 0) close(s->fd); /* also leaves the epoll set */
  s->fd = -1;
  s->gen++;
  s->have = s->skip = 0;
  s->out_len = s->out_off = 0;
  s->want_out = 0;
}

static void start(struct slot *s, int64_t now);

/* After a handshake ends, well or not: the next one at once (or after the retry delay), unless
 * the run is over. */
static void next(struct slot *s, int64_t now, int failed) {
  close_slot(s);
  if (failed) {
    s->st = IDLE;
    s->deadline = now + RETRY_DELAY_MS * NS_PER_MS;
  } else if (now < run_end) {
    start(s, now);
  } else {
    s->st = FINISHED;
  }
}

static void fail(struct slot *s, int64_t now, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct slot *s, int64_t now, const char *fmt, ...) {
  failed_count++;
  if (first_error[0] == '\0') {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(first_error, sizeof first_error, fmt, ap);
    va_end(ap);
  }
  next(s, now, 1);
}

/* Writes what is left of the request; returns 0 when the slot failed. */
static int flush(struct slot *s, int64_t now) {
  while (s->out_off < s->out_len) {
    ssize_t n = send(s->fd, s->out + s->out_off, s->out_len - s->out_off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      fail(s, now, "%s: write: %s", METHOD[s->step], strerror(errno));
      return 0;
    }
    s->out_off += (size_t)n;
  }
  int want = s->out_off < s->out_len;
  if (want != s->want_out) {
    s->want_out = want;
    watch(s, EPOLLIN | (want ? EPOLLOUT : 0), EPOLL_CTL_MOD);
  }
  return 1;
}

/* Sends the request of `step` with the headers the Node client sends; returns 0 when the slot failed. */
static int send_request(struct slot *s, enum step step, int64_t now) {
  s->step = step;
  int cseq = ++s->cseq;
  const char *m = METHOD[step];
  int n;
  switch (step) {
  case OPTIONS:
    n = snprintf(s->out, REQUEST_MAX, "%s %s RTSP/1.0\r\nCSeq: %d\r\n\r\n", m, opt.url, cseq);
    break;
  case DESCRIBE:
    n = snprintf(s->out, REQUEST_MAX, "%s %s RTSP/1.0\r\nCSeq: %d\r\nAccept: application/sdp\r\n\r\n", m, opt.url, cseq);
    break;
  case SETUP: {
    unsigned port = CLIENT_PORT_BASE + 2 * (((unsigned)(s - slots) * CLIENT_PORT_STRIDE + s->attempt - 1) % CLIENT_PORT_SPAN);
    char transport[64];
    if (opt.udp)
      snprintf(transport, sizeof transport, "RTP/AVP;unicast;client_port=%u-%u", port, port + 1);
    else
      snprintf(transport, sizeof transport, "RTP/AVP/TCP;unicast;interleaved=0-1");
    n = snprintf(s->out, REQUEST_MAX, "%s %s%s RTSP/1.0\r\nCSeq: %d\r\nTransport: %s\r\n\r\n", m, s->base, opt.control, cseq, transport);
    break;
  }
  case PLAY:
    n = snprintf(s->out, REQUEST_MAX, "%s %s RTSP/1.0\r\nCSeq: %d\r\nSession: %s\r\nRange: npt=0.000-\r\n\r\n", m, opt.url, cseq,
                 s->session);
    break;
  default:
    n = snprintf(s->out, REQUEST_MAX, "%s %s RTSP/1.0\r\nCSeq: %d\r\nSession: %s\r\n\r\n", m, opt.url, cseq, s->session);
    break;
  }
  s->out_len = (size_t)n < REQUEST_MAX ? (size_t)n : REQUEST_MAX - 1;
  s->out_off = 0;
  s->deadline = now + REPLY_TIMEOUT_MS * NS_PER_MS;
  return flush(s, now);
}

static void start(struct slot *s, int64_t now) {
  s->attempt++;
  s->cseq = 0;
  s->session[0] = '\0';
  s->t0 = now;
  s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd < 0) {
    fail(s, now, "socket: %s", strerror(errno));
    return;
  }
  int one = 1;
  setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  s->st = CONNECTING;
  s->deadline = now + REPLY_TIMEOUT_MS * NS_PER_MS;
  if (connect(s->fd, (struct sockaddr *)&opt.addr, sizeof opt.addr) < 0 && errno != EINPROGRESS) {
    fail(s, now, "connect: %s", strerror(errno));
    return;
  }
  s->want_out = 1;
  watch(s, EPOLLIN | EPOLLOUT, EPOLL_CTL_ADD);
}

/* The value of header `name` (with its colon, lower case) in `head`, after the status line and any
 * blanks: where it starts, and its length up to the first byte in `stop` or the end of the line. */
static const char *header(const char *head, size_t len, const char *name, const char *stop, size_t *vlen) {
  size_t nl = strlen(name);
  for (const char *p = head; (p = memmem(p, len - (size_t)(p - head), "\r\n", 2)) != NULL; p += 2) {
    const char *v = p + 2;
    if ((size_t)(head + len - v) < nl || strncasecmp(v, name, nl) != 0) continue;
    v += nl;
    while (v < head + len && (*v == ' ' || *v == '\t')) v++;
    const char *e = v;
    while (e < head + len && *e != '\r' && *e != '\n' && strchr(stop, *e) == NULL) e++;
    *vlen = (size_t)(e - v);
    return v;
  }
  return NULL;
}

static void copy_value(char *dst, size_t cap, const char *v, size_t len) {
  if (len >= cap) len = cap - 1;
  memcpy(dst, v, len);
  dst[len] = '\0';
}

/* The answer to the request under way: next request, or the handshake is over. Returns 0 when the
 * slot's socket was closed (whatever else was read for it is dropped). */
static int on_response(struct slot *s, const char *head, size_t len, int64_t now) {
  int status = 0;
  if (len >= STATUS_OFFSET + STATUS_LEN)
    for (int i = 0; i < STATUS_LEN; i++) {
      char c = head[STATUS_OFFSET + i];
      status = c >= '0' && c <= '9' ? status * 10 + (c - '0') : -1000;
    }
  if (status != STATUS_OK) {
    if (status < 0)
      fail(s, now, "%s: not an RTSP status line", METHOD[s->step]);
    else
      fail(s, now, "%s: %d", METHOD[s->step], status);
    return 0;
  }
  size_t vlen;
  const char *v;
  switch (s->step) {
  case DESCRIBE:
    v = header(head, len, "content-base:", " \t", &vlen);
    if (v && vlen > 0)
      copy_value(s->base, sizeof s->base, v, vlen);
    else
      snprintf(s->base, sizeof s->base, "%s/", opt.url);
    break;
  case SETUP:
    v = header(head, len, "session:", ";", &vlen);
    if (v)
      copy_value(s->session, sizeof s->session, v, vlen);
    else
      s->session[0] = '\0';
    break;
  case TEARDOWN:
    done_count++;
    record(now - s->t0);
    next(s, now, 0);
    return 0;
  default:
    break;
  }
  return send_request(s, s->step + 1, now);
}

/* One item at the start of p[0..n): an interleaved frame's header (its payload is then skipped)
 * or a whole response. Returns the bytes it took, 0 when more are needed, -1 when the slot closed. */
static ssize_t parse_one(struct slot *s, const unsigned char *p, size_t n, int64_t now) {
  if (p[0] == INTERLEAVED_MAGIC) {
    if (n < INTERLEAVED_HEADER) return 0;
    s->skip = (size_t)((p[2] << 8) | p[3]);
    return INTERLEAVED_HEADER;
  }
  const unsigned char *end = memmem(p, n, HEADER_END, HEADER_END_LEN);
  if (!end) return 0;
  size_t head_len = (size_t)(end - p);
  size_t vlen;
  const char *cl = header((const char *)p, head_len, "content-length:", "", &vlen);
  unsigned long body = cl ? strtoul(cl, NULL, 10) : 0;
  if (body > CARRY_MAX) { /* no answer here is that large; the sum below must not wrap either */
    fail(s, now, "%s: answer larger than %d bytes", METHOD[s->step], CARRY_MAX);
    return -1;
  }
  size_t total = head_len + HEADER_END_LEN + body;
  if (n < total) return 0;
  if (s->st != TALKING) return (ssize_t)total; /* nothing asked: ignore it */
  return on_response(s, (const char *)p, head_len, now) ? (ssize_t)total : -1;
}

/* Everything read from the slot's socket: frames skipped in place, responses parsed where they lie
 * when whole, copied into `carry` only when split across reads. Returns 0 when the slot closed. */
static int consume(struct slot *s, const unsigned char *p, size_t n, int64_t now) {
  while (n > 0) {
    if (s->skip > 0) {
      size_t d = n < s->skip ? n : s->skip;
      s->skip -= d;
      p += d;
      n -= d;
      continue;
    }
    if (s->have == 0) {
      ssize_t used = parse_one(s, p, n, now);
      if (used < 0) return 0;
      if (used > 0) {
        p += used;
        n -= (size_t)used;
        continue;
      }
      if (n > CARRY_MAX) {
        fail(s, now, "%s: answer larger than %d bytes", METHOD[s->step], CARRY_MAX);
        return 0;
      }
      memcpy(s->carry, p, n);
      s->have = n;
      return 1;
    }
    /* A partial item waits in carry: add bytes until it is whole. It starts at carry[0] and takes
     * all of carry's old bytes, so what it takes beyond them comes from p. */
    size_t room = s->carry[0] == INTERLEAVED_MAGIC ? INTERLEAVED_HEADER - s->have : CARRY_MAX - s->have;
    size_t add = n < room ? n : room;
    size_t old = s->have;
    memcpy(s->carry + old, p, add);
    s->have += add;
    ssize_t used = parse_one(s, s->carry, s->have, now);
    if (used < 0) return 0;
    if (used == 0) {
      if (s->have == CARRY_MAX) {
        fail(s, now, "%s: answer larger than %d bytes", METHOD[s->step], CARRY_MAX);
        return 0;
      }
      p += add;
      n -= add;
      continue;
    }
    s->have = 0;
    p += (size_t)used - old;
    n -= (size_t)used - old;
  }
  return 1;
}

static void on_readable(struct slot *s, int64_t now) {
  for (;;) {
    ssize_t n = recv(s->fd, rbuf, sizeof rbuf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) fail(s, now, "%s: read: %s", METHOD[s->step], strerror(errno));
      return;
    }
    if (n == 0) {
      fail(s, now, "connection closed");
      return;
    }
    if (!consume(s, rbuf, (size_t)n, now)) return;
    if ((size_t)n < sizeof rbuf) return; /* level-triggered: epoll says so if more came */
  }
}

static void on_event(struct slot *s, uint32_t events, int64_t now) {
  if (s->st == CONNECTING) {
    int err = 0;
    socklen_t el = sizeof err;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el);
    if (err != 0) {
      fail(s, now, "connect: %s", strerror(err));
      return;
    }
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    s->st = TALKING;
    s->want_out = 1; /* send_request's flush turns EPOLLOUT off once written */
    send_request(s, OPTIONS, now);
    return;
  }
  if (s->st != TALKING) return;
  uint32_t gen = s->gen;
  if ((events & EPOLLOUT) && !flush(s, now)) return;
  if (gen == s->gen && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) on_readable(s, now);
}

static void on_timers(int64_t now) {
  for (int i = 0; i < opt.parallel; i++) {
    struct slot *s = &slots[i];
    if (s->st == FINISHED || now < s->deadline) continue;
    if (s->st == IDLE) {
      if (now < run_end)
        start(s, now);
      else
        s->st = FINISHED;
    } else if (s->st == CONNECTING) {
      fail(s, now, "connect: no answer in %d ms", REPLY_TIMEOUT_MS);
    } else {
      fail(s, now, "%s: no answer in %d ms", METHOD[s->step], REPLY_TIMEOUT_MS);
    }
  }
}

/* Milliseconds until the first deadline (rounded up), -1 when every slot has finished. */
static int wait_ms(int64_t now) {
  int64_t first = INT64_MAX;
  for (int i = 0; i < opt.parallel; i++)
    if (slots[i].st != FINISHED && slots[i].deadline < first) first = slots[i].deadline;
  if (first == INT64_MAX) return -1;
  if (first <= now) return 0;
  return (int)((first - now + NS_PER_MS - 1) / NS_PER_MS);
}

static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

static void json_ms(const char *key, double ms) {
  if (ms < 0)
    printf(",\"%s\":null", key);
  else
    printf(",\"%s\":%.3f", key, ms);
}

static int usage(const char *why) {
  fprintf(stderr,
          "rtsp-handshakes: %s\nusage: rtsp-handshakes --host A.B.C.D --port N --url URL --control CONTROL"
          " [--transport tcp|udp] [--parallel N] [--seconds S]\n",
          why);
  return 2;
}

int main(int argc, char **argv) {
  opt.addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  opt.parallel = 16;
  opt.seconds = 5;
  int port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (strcmp(k, "--host") == 0) {
      if (inet_pton(AF_INET, v, &opt.addr.sin_addr) != 1) return usage("--host is not an IPv4 address");
    } else if (strcmp(k, "--port") == 0)
      port = atoi(v);
    else if (strcmp(k, "--url") == 0)
      opt.url = v;
    else if (strcmp(k, "--control") == 0)
      opt.control = v;
    else if (strcmp(k, "--transport") == 0)
      opt.udp = strcmp(v, "udp") == 0;
    else if (strcmp(k, "--parallel") == 0)
      opt.parallel = atoi(v);
    else if (strcmp(k, "--seconds") == 0)
      opt.seconds = atof(v);
    else
      return usage("unknown option");
  }
  if (port <= 0 || port > 0xffff) return usage("--port out of range");
  if (!opt.url || strlen(opt.url) >= URL_MAX - 1) return usage("--url missing or too long");
  if (!opt.control || strlen(opt.control) >= URL_MAX) return usage("--control missing or too long");
  if (opt.parallel < 1 || opt.parallel > MAX_PARALLEL) return usage("--parallel out of range");
  if (!(opt.seconds > 0)) return usage("--seconds must be positive");
  opt.addr.sin_port = htons((uint16_t)port);
  /* The bench may die without waiting for us (SIGKILL): follow it. */
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  signal(SIGPIPE, SIG_IGN);

  slots = calloc((size_t)opt.parallel, sizeof *slots);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (!slots || epfd < 0) {
    perror("rtsp-handshakes: set-up");
    return 1;
  }
  double cpu0 = cpu_seconds();
  int64_t t0 = now_ns();
  run_end = t0 + (int64_t)(opt.seconds * (double)NS_PER_S);
  for (int i = 0; i < opt.parallel; i++) {
    slots[i].fd = -1;
    start(&slots[i], t0);
  }
  static struct epoll_event events[MAX_EVENTS];
  for (;;) {
    int timeout = wait_ms(now_ns());
    if (timeout < 0) break;
    int n = epoll_wait(epfd, events, MAX_EVENTS, timeout);
    if (n < 0 && errno != EINTR) {
      perror("rtsp-handshakes: epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; i++) {
      struct slot *s = &slots[(uint32_t)events[i].data.u64];
      if ((uint32_t)(events[i].data.u64 >> 32) != s->gen) continue; /* an earlier socket of this slot */
      on_event(s, events[i].events, now_ns());
    }
    on_timers(now_ns());
  }
  double elapsed = (double)(now_ns() - t0) / (double)NS_PER_S;
  double cpu = cpu_seconds() - cpu0;
  printf("{\"done\":%lld,\"failed\":%lld,\"firstError\":", (long long)done_count, (long long)failed_count);
  if (first_error[0])
    json_string(first_error);
  else
    printf("null");
  json_ms("p50Ms", percentile_ms(50));
  json_ms("p99Ms", percentile_ms(99));
  printf(",\"seconds\":%.6f,\"cpuSeconds\":%.6f}\n", elapsed, cpu);
  return 0;
}
