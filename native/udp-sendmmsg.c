/*
 * rtspkit's optional native UDP sender: many datagrams on one socket in one sendmmsg(2) call
 * (Linux), instead of one send(2) — and one trip through dgram's JavaScript and libuv — each.
 *
 * Two functions, loaded by src/transport/native-udp.ts and called by udp-batch-send.ts:
 *
 *   sendmmsg(fd, packets, start, count, gso) -> datagrams sent (>= 0), or -errno when the first failed
 *     (-(errno + 4096 * (k - 1)) when its GSO message of k datagrams failed)
 *   writable(fd) -> whether the socket's send buffer has room now (poll POLLOUT, no wait)
 *   gso() -> whether UDP GSO is in use in this process (see below)
 *
 * fd: a bound and connected UDP socket's descriptor (a dgram socket's handle), so each message has no
 * address (msg_name NULL). packets[start .. start + count): Buffers (or other Uint8Array views) whose
 * memory the kernel reads straight through iovecs, without a copy. At most MAX_BATCH go per call; the
 * caller loops. Never blocks (MSG_DONTWAIT): a full socket buffer returns what was sent so far, or
 * -EAGAIN / -ENOBUFS, and the caller hands the rest to dgram, which queues them. An error on the
 * first message is returned; an error on a later one only stops the call short, its code lost (see
 * sendmmsg(2); current kernels no longer keep it for the next call). `writable` tells the two short
 * stops apart: with room in the buffer, the stop was an error and that datagram failed. The return value is an errno as a negative number, not a thrown exception,
 * so the hot path never builds an Error for EAGAIN.
 *
 * UDP GSO (gso true; Linux >= 4.18, UDP_SEGMENT): consecutive datagrams of the run where all but the
 * last have one length L and the last is no longer (an RTP unit's FU-A fragments and its shorter tail)
 * become ONE message: its iovecs point at the datagrams (still no copy) and a SOL_UDP/UDP_SEGMENT
 * control message of L tells the kernel to cut it back into those datagrams, so the whole group goes
 * down the stack once. A group holds at most GSO_MAX_SEGMENTS datagrams and GSO_MAX_BYTES. A lone
 * datagram is a message without the control message, as before. The return value still counts
 * datagrams. A GSO message is one send, which the kernel makes or refuses whole: when the call's first
 * message fails with an error of its own (ECONNREFUSED after an ICMP "port unreachable", EPERM…), every
 * one of its datagrams failed, and the return value says how many (ERRNO_SPAN). When sendmmsg stops
 * short at a later GSO message (its error is not returned), that message is sent again at once as the
 * first of a call: what the kernel says then is its outcome (a pending socket error such as
 * ECONNREFUSED was used up by the stop, so usually it goes out; should it fail again, the count is
 * returned and the caller fails one datagram, as without GSO).
 *
 * Whether the kernel takes GSO is process-wide, so it is one process-wide flag (an atomic, the
 * module's only state; it holds a fact about the kernel, like the addon being loaded): unknown until
 * the first use asks the kernel (getsockopt UDP_SEGMENT, which a kernel without GSO refuses: such a
 * kernel would ignore the control message and send the group as one big datagram, so it must never
 * see one), then on or off. A GSO message refused with EINVAL, EIO, ENOPROTOOPT or EOPNOTSUPP (no
 * checksum offload on the route, a socket with SO_NO_CHECK, IPsec…) turns it off for the process and
 * the same datagrams go again without it in the same call: nothing lost or reordered, and one socket's
 * refusal costs every socket GSO, which is simpler and safer than a per-socket flag the JS would have
 * to carry. EMSGSIZE (the path's MTU is under L) re-sends that call's rest without GSO but leaves it on.
 *
 * Node-API (C) and NAPI_MODULE_INIT: no per-thread state, so the module is context-aware and loads
 * in every worker thread (the UDP send workers) as well as the main thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <node_api.h>

/* Datagrams per system call: 256 mmsghdr + iovec + control buffers (27 KB) on the stack, well inside a
 * worker's stack. */
#define MAX_BATCH 256
/* UDP_MAX_SEGMENTS is 64 in the kernels that brought GSO (4.18; later ones raised it): the lower one
 * holds everywhere. */
#define GSO_MAX_SEGMENTS 64
/* Payload of one GSO message: one IP packet before segmentation, so under IPv4's 65,507 bytes, with
 * room for IP options or IPv6's larger header and extension headers. */
#define GSO_MAX_BYTES 65000

/* A failed first message returns -(errno + ERRNO_SPAN * (datagrams in it - 1)): errno < 4096 (MAX_ERRNO),
 * so a lone datagram's failure is plain -errno. */
#define ERRNO_SPAN 4096

enum { GSO_UNKNOWN = 0, GSO_ON = 1, GSO_OFF = 2 };
static atomic_int gso_state = GSO_UNKNOWN;

/* Whether GSO is in use: asks the kernel once per process (see the top of the file). */
static bool gso_available(void) {
#ifdef UDP_SEGMENT
  int state = atomic_load_explicit(&gso_state, memory_order_relaxed);
  if (state != GSO_UNKNOWN) return state == GSO_ON;
  bool ok = false;
  const int families[2] = {AF_INET, AF_INET6};
  for (int i = 0; i < 2 && !ok; i++) {
    int fd = socket(families[i], SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0) continue;
    int value = 0;
    socklen_t length = sizeof value;
    ok = getsockopt(fd, SOL_UDP, UDP_SEGMENT, &value, &length) == 0;
    close(fd);
  }
  int expected = GSO_UNKNOWN;
  atomic_compare_exchange_strong(&gso_state, &expected, ok ? GSO_ON : GSO_OFF);
  return atomic_load(&gso_state) == GSO_ON;
#else
  return false;
#endif
}

struct batch {
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  /* Per message: its first datagram and how many it carries. */
  uint16_t first[MAX_BATCH];
  uint16_t size[MAX_BATCH];
  union {
    char buf[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } control[MAX_BATCH];
};

/*
 * Messages from datagram `from` on, written from message `m` on (m <= from, so they fit); with `gso`
 * equal-length neighbours share one, except the call's last datagram, always a message of its own: an
 * ICMP "port unreachable" for the group before it (on loopback the kernel answers within the send)
 * then fails it in this call, and the caller's callback on a run's last datagram (the one the server
 * counts in a reader's sendErrors) hears of a closed port as with dgram. Without that, the error would
 * wait on the socket until libuv's next read took it. Answers the number of messages in all.
 */
static uint32_t build(struct batch *b, uint32_t m, uint32_t from, uint32_t count, bool gso) {
  const uint32_t group_end = count - 1;
  for (uint32_t i = from; i < count; m++) {
    const size_t segment = b->iov[i].iov_len;
    size_t total = segment;
    uint32_t j = i + 1;
    /* Every datagram but the group's last has the segment length; the last may be shorter, not empty
     * (the kernel cuts the payload every `segment` bytes: an empty datagram would vanish). */
    if (gso && segment > 0)
      while (j < group_end && j - i < GSO_MAX_SEGMENTS && b->iov[j - 1].iov_len == segment && b->iov[j].iov_len > 0 &&
             b->iov[j].iov_len <= segment && total + b->iov[j].iov_len <= GSO_MAX_BYTES)
        total += b->iov[j++].iov_len;
    struct msghdr *h = &b->msgs[m].msg_hdr;
    memset(&b->msgs[m], 0, sizeof b->msgs[m]);
    h->msg_iov = &b->iov[i];
    h->msg_iovlen = j - i;
#ifdef UDP_SEGMENT
    if (j - i > 1) {
      h->msg_control = b->control[m].buf;
      h->msg_controllen = sizeof b->control[m].buf;
      struct cmsghdr *c = CMSG_FIRSTHDR(h);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      const uint16_t gso_size = (uint16_t)segment;
      memcpy(CMSG_DATA(c), &gso_size, sizeof gso_size);
    }
#endif
    b->first[m] = (uint16_t)i;
    b->size[m] = (uint16_t)(j - i);
    i = j;
  }
  return m;
}

/* Errors with which a kernel refuses a GSO message as such (udp_send_skb, udp_cmsg_send). */
static bool gso_refusal(int error) {
  return error == EINVAL || error == EIO || error == ENOPROTOOPT || error == EOPNOTSUPP || error == EMSGSIZE;
}

static napi_value fail(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_NATIVE_UDP_ARG", message);
  return NULL;
}

static napi_value send_mmsg(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4)
    return fail(env, "sendmmsg(fd, packets, start, count, gso): four or five arguments");

  int32_t fd;
  uint32_t start, count, length;
  bool is_array = false, gso = false;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) return fail(env, "fd: a descriptor >= 0");
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array) return fail(env, "packets: an array");
  if (napi_get_value_uint32(env, argv[2], &start) != napi_ok) return fail(env, "start: an index");
  if (napi_get_value_uint32(env, argv[3], &count) != napi_ok) return fail(env, "count: a number");
  if (napi_get_array_length(env, argv[1], &length) != napi_ok) return fail(env, "packets: an array");
  /* gso: true asks for it; anything else (absent, undefined) is no. */
  if (argc >= 5 && napi_get_value_bool(env, argv[4], &gso) != napi_ok) gso = false;
  if (start > length) start = length;
  if (count > length - start) count = length - start;
  if (count > MAX_BATCH) count = MAX_BATCH;

  struct batch b;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    void *data = NULL;
    size_t len = 0;
    /* napi_get_buffer_info refuses anything but a Buffer (or another Uint8Array view). */
    if (napi_get_element(env, argv[1], start + i, &item) != napi_ok ||
        napi_get_buffer_info(env, item, &data, &len) != napi_ok)
      return fail(env, "packets: every item a Buffer");
    b.iov[i].iov_base = data;
    b.iov[i].iov_len = len;
  }

  uint32_t messages = build(&b, 0, 0, count, gso && count > 2 && gso_available()), m = 0;
  int32_t sent = 0;
  while (m < messages) {
    int r;
    do {
      r = sendmmsg(fd, &b.msgs[m], messages - m, MSG_DONTWAIT);
    } while (r < 0 && errno == EINTR);
    if (r > 0) {
      for (int k = 0; k < r; k++) sent += b.size[m + k];
      m += (uint32_t)r;
      /* Stopped short at a GSO message: its error is not returned, so it goes again first, where it is
       * (a GSO refusal must not cost its datagrams). Stopped at a lone datagram: the caller asks
       * `writable` which stop it was, as without GSO. */
      if (m < messages && b.size[m] > 1) continue;
      break;
    }
    const int error = r < 0 ? errno : EAGAIN;
    if (b.size[m] > 1 && gso_refusal(error)) {
      if (error != EMSGSIZE) atomic_store(&gso_state, GSO_OFF);
      messages = build(&b, m, b.first[m], count, false);
      continue;
    }
    /* The first datagram failed: its errno; a later one: the count, and the caller goes on from there. */
    if (sent == 0) {
      /* A full buffer is not the datagrams' failure: plain -errno, and the caller queues them in dgram. */
      const bool full = error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS;
      sent = full ? -error : -(error + ERRNO_SPAN * (b.size[m] - 1));
    }
    break;
  }
  napi_value result;
  napi_create_int32(env, sent, &result);
  return result;
}
static napi_value writable(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0)
    return fail(env, "writable(fd): a descriptor >= 0");
  struct pollfd p = {.fd = fd, .events = POLLOUT, .revents = 0};
  int r;
  do {
    r = poll(&p, 1, 0);
  } while (r < 0 && errno == EINTR);
  napi_value result;
  napi_get_boolean(env, r > 0 && (p.revents & POLLOUT) != 0, &result);
  return result;
}

static napi_value gso_in_use(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_get_boolean(env, gso_available(), &result);
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn, poll_fn, gso_fn, max;
  if (napi_create_function(env, "sendmmsg", NAPI_AUTO_LENGTH, send_mmsg, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "sendmmsg", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "writable", NAPI_AUTO_LENGTH, writable, NULL, &poll_fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "writable", poll_fn) != napi_ok) return NULL;
  if (napi_create_function(env, "gso", NAPI_AUTO_LENGTH, gso_in_use, NULL, &gso_fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "gso", gso_fn) != napi_ok) return NULL;
  if (napi_create_uint32(env, MAX_BATCH, &max) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "maxBatch", max) != napi_ok) return NULL;
  return exports;
}
