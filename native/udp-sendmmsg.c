/*
 * rtspkit's optional native UDP sender: many datagrams on one socket in one sendmmsg(2) call
 * (Linux), instead of one send(2) — and one trip through dgram's JavaScript and libuv — each.
 *
 * Two functions, loaded by src/transport/native-udp.ts and called by udp-batch-send.ts:
 *
 *   sendmmsg(fd, packets, start, count) -> sent (>= 0) or -errno
 *   writable(fd) -> whether the socket's send buffer has room now (poll POLLOUT, no wait)
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
 * Node-API (C) and NAPI_MODULE_INIT: no state outside each call, so the module is context-aware and
 * loads in every worker thread (the UDP send workers) as well as the main thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <node_api.h>

/* Datagrams per system call: 256 mmsghdr + iovec (20 KB) on the stack, well inside a worker's stack. */
#define MAX_BATCH 256

static napi_value fail(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_NATIVE_UDP_ARG", message);
  return NULL;
}

static napi_value send_mmsg(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4)
    return fail(env, "sendmmsg(fd, packets, start, count): four arguments");

  int32_t fd;
  uint32_t start, count, length;
  bool is_array = false;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) return fail(env, "fd: a descriptor >= 0");
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array) return fail(env, "packets: an array");
  if (napi_get_value_uint32(env, argv[2], &start) != napi_ok) return fail(env, "start: an index");
  if (napi_get_value_uint32(env, argv[3], &count) != napi_ok) return fail(env, "count: a number");
  if (napi_get_array_length(env, argv[1], &length) != napi_ok) return fail(env, "packets: an array");
  if (start > length) start = length;
  if (count > length - start) count = length - start;
  if (count > MAX_BATCH) count = MAX_BATCH;

  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  memset(msgs, 0, sizeof(struct mmsghdr) * count);
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    void *data = NULL;
    size_t len = 0;
    /* napi_get_buffer_info refuses anything but a Buffer (or another Uint8Array view). */
    if (napi_get_element(env, argv[1], start + i, &item) != napi_ok ||
        napi_get_buffer_info(env, item, &data, &len) != napi_ok)
      return fail(env, "packets: every item a Buffer");
    iov[i].iov_base = data;
    iov[i].iov_len = len;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }

  int sent = 0;
  if (count > 0) {
    do {
      sent = sendmmsg(fd, msgs, count, MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) sent = -errno;
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

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn, poll_fn, max;
  if (napi_create_function(env, "sendmmsg", NAPI_AUTO_LENGTH, send_mmsg, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "sendmmsg", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "writable", NAPI_AUTO_LENGTH, writable, NULL, &poll_fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "writable", poll_fn) != napi_ok) return NULL;
  if (napi_create_uint32(env, MAX_BATCH, &max) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "maxBatch", max) != napi_ok) return NULL;
  return exports;
}
