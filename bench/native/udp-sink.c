/*
 * udp-sink: the receive side of the bench's UDP load readers (bench/udp-sink.ts drives it).
 *
 * One Node process reading ~190k datagrams/s for 500 UDP readers saturates a core of its own, so on
 * a 2-core machine the server under test starves and every server shows loss. This program does the
 * same counting as TrackStats in bench/track-stats.ts, with epoll and recvmmsg(2) in one thread:
 * per RTP socket, bytes (RTP header + payload), packets, malformed packets, late packets, the
 * extended first and highest sequence numbers (RFC 3550 appendix A.3), and the CLOCK_MONOTONIC time
 * of the first packet and of the first packet that starts an H.264 IDR picture (RFC 6184).
 * RTCP sockets are drained and counted, nothing more.
 *
 * Usage: udp-sink [--rcvbuf BYTES] [--host A.B.C.D] [--linger-us N]
 * Commands on stdin, one per line; each gets exactly one line on stdout, in order:
 *   open PORT   bind RTP on PORT and RTCP on PORT+1  ->  "ok ID RCVBUF" | "err ERRNO MESSAGE"
 *   close ID    close that pair's sockets            ->  "closed ID"
 *   snap        the counters of every pair           ->  {"now":NS,"readers":[[ID,PACKETS,BYTES,
 *               MALFORMED,LATE,FIRST_SEQ,HIGHEST_SEQ,FIRST_PACKET_NS,FIRST_IDR_NS,RTCP],...]}
 *               (-1 for "not yet"; times are CLOCK_MONOTONIC nanoseconds, Node's hrtime clock)
 * End of stdin ends the program.
 *
 * --linger-us sleeps that long between rounds of epoll_wait when the previous round found
 * datagrams. On loopback a sender wakes a receiver that waits in epoll_wait, and pays for it; while
 * the sink sleeps nobody waits, and each recvmmsg call then returns more datagrams. The price:
 * first-packet times may be late by up to that long. Default 0 (bench/udp-sink.ts passes 1000).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* RTP fixed header, RFC 3550 section 5.1. */
#define RTP_HEADER_SIZE 12
#define RTP_VERSION 2
#define VERSION_SHIFT 6
#define SEQ_OFFSET 2
#define CSRC_COUNT_MASK 0x0f
#define EXTENSION_BIT 0x10
#define CSRC_SIZE 4
#define EXTENSION_HEADER_SIZE 4
/* H.264 RTP payload, RFC 6184 sections 5.2-5.8. */
#define NAL_TYPE_MASK 0x1f
#define NAL_IDR 5
#define NAL_STAP_A 24
#define NAL_FU_A 28
#define FU_START_BIT 0x80

/* Datagrams per recvmmsg call, and calls per ready socket per round (level-triggered epoll
 * reports the socket again if more is left). */
#define BATCH 64
#define MAX_BATCHES_PER_EVENT 4
/* Bytes kept of each datagram: enough for the headers and a STAP-A's first NAL units. MSG_TRUNC
 * makes recvmmsg report the full length of a longer datagram, so byte counts stay exact. */
#define KEEP_BYTES 2048
#define MAX_EVENTS 512
#define STDIN_TAG UINT64_MAX
#define LINE_MAX_BYTES 256

struct pair {
  int rtp;
  int rtcp;
  int64_t packets, bytes, malformed, late, rtcp_packets;
  int64_t first_seq, highest_seq; /* extended: cycles * 65536 + seq; -1 before the first packet */
  int64_t first_packet_ns, first_idr_ns;
};

static struct pair *pairs;
static size_t pair_count, pair_capacity;
static int epfd;
static int rcvbuf_wanted;
static struct in_addr host;
static unsigned char bufs[BATCH][KEEP_BYTES];
static struct mmsghdr msgs[BATCH];
static struct iovec iovs[BATCH];

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint16_t be16(const unsigned char *p) { return (uint16_t)((p[0] << 8) | p[1]); }

/* True when the packet's H.264 payload is an IDR NAL unit, the first FU-A fragment of one, or a
 * STAP-A holding one (the same rules as startsIdr in bench/track-stats.ts). */
static int starts_idr(const unsigned char *p, size_t len) {
  size_t off = RTP_HEADER_SIZE + (size_t)(p[0] & CSRC_COUNT_MASK) * CSRC_SIZE;
  if (p[0] & EXTENSION_BIT) {
    if (len < off + EXTENSION_HEADER_SIZE) return 0;
    off += EXTENSION_HEADER_SIZE + (size_t)be16(p + off + 2) * 4;
  }
  if (len <= off) return 0;
  unsigned type = p[off] & NAL_TYPE_MASK;
  if (type == NAL_IDR) return 1;
  if (type == NAL_FU_A)
    return len > off + 1 && (p[off + 1] & FU_START_BIT) && (p[off + 1] & NAL_TYPE_MASK) == NAL_IDR;
  if (type != NAL_STAP_A) return 0;
  for (size_t q = off + 1; q + 2 < len;) {
    if ((p[q + 2] & NAL_TYPE_MASK) == NAL_IDR) return 1;
    q += 2 + be16(p + q);
  }
  return 0;
}

static void on_rtp(struct pair *s, const unsigned char *p, size_t kept, size_t len, int64_t *now) {
  if (len < RTP_HEADER_SIZE || (p[0] >> VERSION_SHIFT) != RTP_VERSION) {
    s->malformed++;
    return;
  }
  s->packets++;
  s->bytes += (int64_t)len;
  if (s->first_idr_ns < 0 && starts_idr(p, kept)) {
    if (*now < 0) *now = now_ns();
    s->first_idr_ns = *now;
  }
  int seq = be16(p + SEQ_OFFSET);
  if (s->highest_seq < 0) {
    s->first_seq = s->highest_seq = seq;
    if (*now < 0) *now = now_ns();
    s->first_packet_ns = *now;
    return;
  }
  /* Signed 16-bit distance from the highest so far (RFC 1982 serial arithmetic). */
  int delta = ((seq - (int)(s->highest_seq & 0xffff) + 0x8000) & 0xffff) - 0x8000;
  if (delta > 0)
    s->highest_seq += delta;
  else
    s->late++;
}

static void drain(uint64_t tag) {
  struct pair *s = &pairs[tag >> 1];
  int is_rtcp = (int)(tag & 1);
  int fd = is_rtcp ? s->rtcp : s->rtp;
  int64_t now = -1;
  for (int round = 0; round < MAX_BATCHES_PER_EVENT; round++) {
    for (int i = 0; i < BATCH; i++) msgs[i].msg_hdr.msg_flags = 0;
    int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
    if (n <= 0) return;
    if (is_rtcp)
      s->rtcp_packets += n;
    else
      for (int i = 0; i < n; i++) {
        size_t len = msgs[i].msg_len;
        on_rtp(s, bufs[i], len < KEEP_BYTES ? len : KEEP_BYTES, len, &now);
      }
    if (n < BATCH) return;
  }
}

static int bind_socket(int port, int rcvbuf) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr = host};
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static void watch(int fd, uint64_t tag) {
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
  epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void cmd_open(int port) {
  if (port <= 0 || port >= 0xffff) {
    printf("err %d port %d out of range\n", EINVAL, port);
    return;
  }
  int rtp = bind_socket(port, rcvbuf_wanted);
  if (rtp < 0) {
    printf("err %d %s\n", errno, strerror(errno));
    return;
  }
  int rtcp = bind_socket(port + 1, 0);
  if (rtcp < 0) {
    int e = errno;
    close(rtp);
    printf("err %d %s\n", e, strerror(e));
    return;
  }
  if (pair_count == pair_capacity) {
    pair_capacity = pair_capacity ? pair_capacity * 2 : 256;
    pairs = realloc(pairs, pair_capacity * sizeof *pairs);
    if (!pairs) {
      perror("udp-sink: realloc");
      exit(1);
    }
  }
  size_t id = pair_count++;
  pairs[id] = (struct pair){.rtp = rtp, .rtcp = rtcp, .first_seq = -1, .highest_seq = -1, .first_packet_ns = -1, .first_idr_ns = -1};
  watch(rtp, (uint64_t)id << 1);
  watch(rtcp, ((uint64_t)id << 1) | 1);
  int granted = 0;
  socklen_t gl = sizeof granted;
  getsockopt(rtp, SOL_SOCKET, SO_RCVBUF, &granted, &gl);
  printf("ok %zu %d\n", id, granted);
}

static void cmd_close(size_t id) {
  if (id < pair_count && pairs[id].rtp >= 0) {
    close(pairs[id].rtp); /* closing also removes them from the epoll set */
    close(pairs[id].rtcp);
    pairs[id].rtp = pairs[id].rtcp = -1;
  }
  printf("closed %zu\n", id);
}

static void cmd_snap(void) {
  printf("{\"now\":%" PRId64 ",\"readers\":[", now_ns());
  for (size_t i = 0; i < pair_count; i++) {
    const struct pair *s = &pairs[i];
    printf("%s[%zu,%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 "]",
           i ? "," : "", i, s->packets, s->bytes, s->malformed, s->late, s->first_seq, s->highest_seq, s->first_packet_ns,
           s->first_idr_ns, s->rtcp_packets);
  }
  printf("]}\n");
}

static void command(char *line) {
  char *arg = strchr(line, ' ');
  if (arg) *arg++ = '\0';
  if (strcmp(line, "open") == 0 && arg)
    cmd_open(atoi(arg));
  else if (strcmp(line, "close") == 0 && arg)
    cmd_close((size_t)strtoull(arg, NULL, 10));
  else if (strcmp(line, "snap") == 0)
    cmd_snap();
  else
    printf("err %d unknown command\n", EINVAL);
}

/* Reads what stdin has and runs every complete line; returns 0 at end of input. */
static int read_commands(void) {
  static char buf[LINE_MAX_BYTES * 16];
  static size_t have;
  ssize_t n = read(STDIN_FILENO, buf + have, sizeof buf - have);
  if (n <= 0) return n < 0 && (errno == EINTR || errno == EAGAIN);
  have += (size_t)n;
  size_t start = 0;
  for (size_t i = 0; i < have; i++) {
    if (buf[i] != '\n') continue;
    buf[i] = '\0';
    command(buf + start);
    start = i + 1;
  }
  memmove(buf, buf + start, have - start);
  have -= start;
  if (have == sizeof buf) have = 0; /* a line longer than the buffer: drop it */
  fflush(stdout);
  return 1;
}

int main(int argc, char **argv) {
  long linger_us = 0;
  host.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--rcvbuf") == 0)
      rcvbuf_wanted = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--linger-us") == 0)
      linger_us = atol(argv[i + 1]);
    else if (strcmp(argv[i], "--host") == 0) {
      if (inet_pton(AF_INET, argv[i + 1], &host) != 1) {
        fprintf(stderr, "udp-sink: --host %s is not an IPv4 address\n", argv[i + 1]);
        return 2;
      }
    } else {
      fprintf(stderr, "udp-sink: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  /* The bench may die without closing our stdin (SIGKILL): follow it. */
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  for (int i = 0; i < BATCH; i++) {
    iovs[i] = (struct iovec){.iov_base = bufs[i], .iov_len = KEEP_BYTES};
    msgs[i].msg_hdr = (struct msghdr){.msg_iov = &iovs[i], .msg_iovlen = 1};
  }
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    perror("udp-sink: epoll_create1");
    return 1;
  }
  watch(STDIN_FILENO, STDIN_TAG);
  static struct epoll_event events[MAX_EVENTS];
  for (;;) {
    int n = epoll_wait(epfd, events, MAX_EVENTS, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("udp-sink: epoll_wait");
      return 1;
    }
    int datagrams = 0;
    for (int i = 0; i < n; i++) {
      if (events[i].data.u64 == STDIN_TAG) {
        if (!read_commands()) return 0;
      } else {
        drain(events[i].data.u64);
        datagrams = 1;
      }
    }
    if (datagrams && linger_us > 0) {
      struct timespec ts = {.tv_sec = linger_us / 1000000, .tv_nsec = (linger_us % 1000000) * 1000};
      nanosleep(&ts, NULL);
    }
  }
}
