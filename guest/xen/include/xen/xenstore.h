/*
 * xenstore: the wire protocol (Xen's io/xs_wire.h numbers and layouts) and
 * a client over a domain's store ring page.
 *
 * Wire facts (docs/misc/xenstore.txt): a message is a 16-byte header
 * (type, req_id, tx_id, len) followed by len <= XENSTORE_PAYLOAD_MAX bytes,
 * usually NUL-terminated strings. The ring page holds two 1024-byte byte
 * rings: req (client to server) and rsp (server to client), each with
 * free-running 32-bit consumer/producer indexes masked by the ring size.
 * A producer writes the bytes, then (release) advances prod; a consumer
 * reads prod (acquire), the bytes, then (release) advances cons. After a
 * change the side notifies the other through the event channel.
 * Errors come back as XS_ERROR with the errno's NAME ("ENOENT") as payload;
 * the client maps it to the negative Xen errno (include/public/errno.h).
 *
 * The client is transport independent: the program gives it the ring
 * page, a notify function (EVTCHNOP_send on the store port) and a wait
 * function (block until the port fires); the unit tests plug a server in
 * the same process into the same hooks. One request is in flight at a time;
 * watch events met while waiting for a reply are queued for xs_read_watch.
 */
#ifndef XEN_XENSTORE_H
#define XEN_XENSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Message types: the values of xs_wire.h's enum xsd_sockmsg_type. */
enum xs_msg_type {
	XS_CONTROL = 0,
	XS_DIRECTORY = 1,
	XS_READ = 2,
	XS_GET_PERMS = 3,
	XS_WATCH = 4,
	XS_UNWATCH = 5,
	XS_TRANSACTION_START = 6,
	XS_TRANSACTION_END = 7,
	XS_INTRODUCE = 8,
	XS_RELEASE = 9,
	XS_GET_DOMAIN_PATH = 10,
	XS_WRITE = 11,
	XS_MKDIR = 12,
	XS_RM = 13,
	XS_SET_PERMS = 14,
	XS_WATCH_EVENT = 15,
	XS_ERROR = 16,
	XS_IS_DOMAIN_INTRODUCED = 17,
	XS_RESUME = 18,
	XS_SET_TARGET = 19,
	XS_RESET_WATCHES = 21,
	XS_DIRECTORY_PART = 22,
	XS_TYPE_COUNT = 23,
	XS_INVALID = 0xffff,
};

struct xsd_sockmsg {
	uint32_t type;
	uint32_t req_id; /* echoed in the reply */
	uint32_t tx_id;	 /* 0: not in a transaction */
	uint32_t len;	 /* payload bytes after the header */
};

#define XENSTORE_RING_SIZE 1024u
typedef uint32_t XENSTORE_RING_IDX;
#define MASK_XENSTORE_IDX(i) ((i) & (XENSTORE_RING_SIZE - 1))

struct xenstore_domain_interface {
	char req[XENSTORE_RING_SIZE];
	char rsp[XENSTORE_RING_SIZE];
	XENSTORE_RING_IDX req_cons, req_prod;
	XENSTORE_RING_IDX rsp_cons, rsp_prod;
	uint32_t server_features;
	uint32_t connection;
	uint32_t error;
};

#define XENSTORE_PAYLOAD_MAX 4096u
#define XENSTORE_ABS_PATH_MAX 3072u
#define XENSTORE_REL_PATH_MAX 2048u
#define XENSTORE_SERVER_FEATURE_RECONNECTION 1u
#define XENSTORE_SERVER_FEATURE_ERROR 2u
#define XENSTORE_CONNECTED 0u
#define XENSTORE_RECONNECT 1u
#define XENSTORE_ERROR_NONE 0u
#define XENSTORE_ERROR_COMM 1u
#define XENSTORE_ERROR_RINGIDX 2u
#define XENSTORE_ERROR_PROTO 3u

/* errno <-> wire name (the names of xs_wire.h's table). */
const char *xs_errno_name(int err); /* err negative; NULL if not on the wire */
int xs_errno_from_name(const char *name, size_t len); /* negative; -XEN_EINVAL if unknown */

/* Byte-ring helpers shared by client and server. */
size_t xs_ring_write(char *ring, XENSTORE_RING_IDX cons, XENSTORE_RING_IDX *prod,
		     const void *data, size_t len);
size_t xs_ring_read(const char *ring, XENSTORE_RING_IDX *cons, XENSTORE_RING_IDX prod,
		    void *data, size_t len);

/* ---- client ---- */

#define XS_CLIENT_EVENTS 16u /* queued watch events; more are dropped (counted) */

struct xs_event {
	uint32_t len;
	char data[XENSTORE_PAYLOAD_MAX]; /* path\0token\0 */
};

struct xs_client {
	struct xenstore_domain_interface *intf;
	void (*notify)(void *ctx); /* kick the server */
	int (*wait)(void *ctx);	   /* block until the server may have moved; <0 gives up */
	void *ctx;
	uint32_t next_req;
	struct xs_event ev[XS_CLIENT_EVENTS];
	unsigned int ev_head, ev_count;
	uint64_t ev_dropped;
	/* the last reply */
	struct xsd_sockmsg rsp;
	char body[XENSTORE_PAYLOAD_MAX + 1]; /* always NUL-terminated */
};

void xs_client_init(struct xs_client *c, struct xenstore_domain_interface *intf,
		    void (*notify)(void *), int (*wait)(void *), void *ctx);

/*
 * One request: payload is `n` strings joined with NULs; `last_nul` says
 * whether the last one keeps its NUL (WRITE's value does not). Returns the
 * reply's payload length, or a negative Xen errno (the server's XS_ERROR,
 * or -XEN_E2BIG for a request over XENSTORE_PAYLOAD_MAX). The reply is in
 * c->body.
 */
int xs_request(struct xs_client *c, uint32_t type, uint32_t tx, const char *const *parts,
	       unsigned int n, bool last_nul);

/* Values and lists land in buf (NUL-terminated; lists are NUL-separated);
 * the return value is the byte count (without the final terminator). */
int xs_read(struct xs_client *c, uint32_t tx, const char *path, char *buf, size_t size);
int xs_write(struct xs_client *c, uint32_t tx, const char *path, const char *value);
int xs_mkdir(struct xs_client *c, uint32_t tx, const char *path);
int xs_rm(struct xs_client *c, uint32_t tx, const char *path);
int xs_directory(struct xs_client *c, uint32_t tx, const char *path, char *buf, size_t size);
int xs_get_perms(struct xs_client *c, uint32_t tx, const char *path, char *buf, size_t size);
/* perms: "b0", "r3", ... the first is the owner and the default for others */
int xs_set_perms(struct xs_client *c, uint32_t tx, const char *path, const char *const *perms,
		 unsigned int n);
int xs_watch(struct xs_client *c, const char *path, const char *token);
int xs_unwatch(struct xs_client *c, const char *path, const char *token);
int xs_transaction_start(struct xs_client *c, uint32_t *tx);
int xs_transaction_end(struct xs_client *c, uint32_t tx, bool commit);
/* Domains (privileged callers; others get -XEN_EACCES): the ring of dom
 * at its frame gfn, with the domain's end `port` of its store channel
 * (remote: the xenstore domain); RELEASE; whether dom is introduced
 * (1 or 0). */
int xs_introduce(struct xs_client *c, uint16_t dom, uint64_t gfn, uint32_t port);
int xs_release(struct xs_client *c, uint16_t dom);
int xs_is_domain_introduced(struct xs_client *c, uint16_t dom);
/* Events queued, or bytes from the server not read yet: a caller about to
 * sleep on the store's port must look first (the kick for those bytes may
 * have been taken by the wait of an earlier reply). */
bool xs_has_input(const struct xs_client *c);
/* Next queued watch event (path and token point into the client); false if
 * none is queued (poll: reads what the ring holds without waiting). */
bool xs_read_watch(struct xs_client *c, const char **path, const char **token);

#endif
