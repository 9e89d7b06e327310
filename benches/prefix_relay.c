/* prefix-relay: the byte-exact ceiling for a chat server's fan-out. Like ../shared/tools/null-relay
 * (one thread, epoll, non-blocking sockets, a growable output buffer per client, an empty 0x00
 * auth-ok to each client's first frame), but each frame an authenticated client sends reaches the
 * others with the 13 bytes a chat server puts in front of a relayed line, `<HH:MM> [u0] `, and
 * its length prefix grown by 13: the bytes on the wire, and where the load generator finds its
 * marker in them, are the chat servers' own. The only work on top of a raw relay is finding frame
 * boundaries and writing the prefix: no decoding, no UTF-8 check, no names, no clock.
 * Loopback only. Usage: prefix_relay PORT   (prints "listening on 127.0.0.1:PORT")
 * Build: gcc -O2 -o /tmp/prefix_relay benches/prefix_relay.c */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 4096
#define PREFIX "<00:00> [u0] "
#define PREFIX_LEN 13
/* A client: its socket, its output, and where its input stands: the header bytes of the frame
 * being read (2 length bytes and the type byte) and the body bytes still to copy. */
typedef struct { int fd, authed; unsigned char *out; size_t len, cap, off; unsigned char hdr[3]; int hlen; size_t rem; } C;
static C *cl[MAXC];
static int ep;

static void nb(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }
static void drop(C *c) { epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, 0); close(c->fd); cl[c->fd] = 0; free(c->out); free(c); }
static void want_out(C *c, int on) {
  struct epoll_event e = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.fd = c->fd };
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}
static int flush(C *c) {
  while (c->off < c->len) {
    ssize_t k = write(c->fd, c->out + c->off, c->len - c->off);
    if (k < 0) { if (errno == EAGAIN) { want_out(c, 1); return 0; } return -1; }
    c->off += k;
  }
  c->off = c->len = 0; want_out(c, 0); return 0;
}
static void queue(C *c, const unsigned char *b, size_t n) {
  if (c->len + n > c->cap) { c->cap = (c->len + n) * 2; c->out = realloc(c->out, c->cap); }
  memcpy(c->out + c->len, b, n); c->len += n;
}
/* Rewrites what a client sent (any chunking) into `out`, a prefix inserted after each frame's
 * type byte; returns the bytes written. `out` has room for n + PREFIX_LEN * (n / 3 + 1). */
static size_t prefix_frames(C *c, const unsigned char *in, size_t n, unsigned char *out) {
  size_t p = 0, o = 0;
  while (p < n) {
    if (c->rem == 0) {
      c->hdr[c->hlen++] = in[p++];
      size_t len = (c->hdr[0] << 8) | (c->hlen > 1 ? c->hdr[1] : 0);
      if (c->hlen == 2 && len == 0) { out[o++] = 0; out[o++] = 0; c->hlen = 0; continue; }
      if (c->hlen < 3) continue;
      size_t grown = len + PREFIX_LEN;
      out[o++] = grown >> 8; out[o++] = grown & 0xff; out[o++] = c->hdr[2];
      memcpy(out + o, PREFIX, PREFIX_LEN); o += PREFIX_LEN;
      c->rem = len - 1; c->hlen = 0;
      continue;
    }
    size_t t = c->rem < n - p ? c->rem : n - p;
    memcpy(out + o, in + p, t); o += t; p += t; c->rem -= t;
  }
  return o;
}
int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0, one = 1;
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(ls, (void *)&a, sizeof a) || listen(ls, 1024)) { perror("bind/listen"); return 1; }
  socklen_t al = sizeof a; getsockname(ls, (void *)&a, &al);
  printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port)); fflush(stdout);
  nb(ls); ep = epoll_create1(0);
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = ls }, evs[256];
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
  static unsigned char buf[256 * 1024], staged[256 * 1024 * 6];
  for (;;) {
    int n = epoll_wait(ep, evs, 256, -1);
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == ls) {
        int s;
        while ((s = accept(ls, 0, 0)) >= 0) {
          if (s >= MAXC) { close(s); continue; }
          nb(s); setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          C *c = calloc(1, sizeof *c); c->fd = s; cl[s] = c;
          struct epoll_event e = { .events = EPOLLIN, .data.fd = s }; epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
        }
        continue;
      }
      C *c = cl[fd]; if (!c) continue;
      if (evs[i].events & EPOLLOUT) { if (flush(c) < 0) { drop(c); continue; } }
      if (!(evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      ssize_t k = read(fd, buf, sizeof buf);
      if (k == 0 || (k < 0 && errno != EAGAIN)) { drop(c); continue; }
      if (k < 0) continue;
      size_t p = 0;
      while (!c->authed && p < (size_t)k) { /* swallow the first frame: the auth */
        if (c->hlen < 2) { c->hdr[c->hlen++] = buf[p++]; if (c->hlen == 2) c->rem = (c->hdr[0] << 8) | c->hdr[1]; else continue; }
        size_t t = c->rem < (size_t)k - p ? c->rem : (size_t)k - p; c->rem -= t; p += t;
        if (c->rem == 0) { static const unsigned char ok[3] = {0, 1, 0}; c->authed = 1; c->hlen = 0; queue(c, ok, 3); if (flush(c) < 0) { drop(c); goto next; } }
      }
      if (p < (size_t)k) {
        size_t m = prefix_frames(c, buf + p, k - p, staged);
        for (int j = 0; j < MAXC; j++) {
          C *d = cl[j];
          if (d && d != c && d->authed) { queue(d, staged, m); if (flush(d) < 0) drop(d); }
        }
      }
    next:;
    }
  }
}
