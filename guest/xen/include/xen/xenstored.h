/*
 * xenstored: a xenstore server as a library (the Dom0 program feeds it
 * the rings; the unit tests drive it directly).
 *
 * Store: a fixed pool of nodes (no allocator in the guest runtime), each
 * with its absolute path, value and permissions. Layer 0 is the committed
 * tree; a transaction's changes are entries tagged with its id (a deleted
 * node is a tombstone entry), seen only by that transaction, so reads in a
 * transaction see its own writes. Commit fails with EAGAIN when anything
 * was committed since the transaction started (the whole-store generation,
 * the rule of docs/misc/xenstore.txt), else applies the entries and fires
 * their watches.
 *
 * Invariants: every node's parent exists in the same view (creation makes
 * missing parents, removal removes the subtree); "/" always exists; a
 * layer-0 path appears once; a transaction has at most one entry per path.
 *
 * Permissions (Xen's model): perms[0] names the owner, who may read and
 * write, and gives the access of every domain without its own entry; the
 * privileged domain (0) may do everything. A created node copies its
 * parent's permissions; an unprivileged creator becomes its owner. Only the owner (or
 * domain 0) may set permissions; only domain 0 may change the owner.
 * Watch events go only to domains that may read the node changed.
 *
 * Fairness: xsd_poll serves at most one request per connection per round,
 * and reads a connection's next request only when its output queue can
 * take a full reply; per-domain quotas bound nodes, watches, transactions
 * and queued output (watch events that do not fit are dropped and counted,
 * never blocking the server).
 *
 * Domains (INTRODUCE/RELEASE, xenstore.txt): the privileged domain
 * introduces a domain's ring (domid, the ring's frame, the domain's end of
 * its store channel); the server asks its owner (struct xsd_domain_ops) to
 * make the frame reachable and bind the port, connects the ring and fires
 * @introduceDomain. RELEASE, or the owner reporting the domain dead after
 * VIRQ_DOM_EXC (xsd_domains_check), tears the connection down with its
 * watches and transactions, gives the domain's nodes to Dom0 (a later
 * domain reusing the id must not inherit them) and fires @releaseDomain.
 * Special watches (@introduceDomain, @releaseDomain) reach the privileged
 * domain's connections only; their event path is the special name.
 *
 * Connections: a domain's ring (introduced, or connected directly with
 * xsd_connect), or a Dom0-local one (xsd_connect_local: a ring page in
 * Dom0's own memory, as xl and the backends in Dom0 reach xenstored through
 * a socket on Xen); any number of local connections of domain 0 coexist.
 * A watch belongs to the connection that set it (its events go there only);
 * a transaction to the connection's domain (as before).
 *
 * Concurrency: `lock` guards the whole store. xsd_poll, xsd_connect*,
 * xsd_disconnect, xsd_release and xsd_domains_check take it; xsd_op does
 * not (the tests call it single-threaded; a caller on another vCPU takes
 * xsd_lock around it). Dom0's vCPUs can therefore run the service, the
 * toolstack and a backend at once.
 */
#ifndef XEN_XENSTORED_H
#define XEN_XENSTORED_H

#include <xen/xenstore.h>

#define XSD_NODES 1024u
#define XSD_PATH_MAX 256u  /* with the NUL; Xen allows 3072 */
#define XSD_VALUE_MAX 1024u /* Xen's default entry-size quota is 2048 */
#define XSD_PERMS_MAX 8u
#define XSD_WATCHES 128u
#define XSD_TXS 16u
#define XSD_CONNS 16u
#define XSD_OUT_SIZE (2u * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX))
#define XSD_PRIV_DOM 0u

#define XSD_PERM_R 1u
#define XSD_PERM_W 2u

struct xsd_perm {
	uint16_t dom;
	uint8_t acc; /* XSD_PERM_* */
};

struct xsd_node {
	bool used;
	bool tomb;   /* a transaction's "removed" */
	uint32_t tx; /* 0: committed tree */
	char path[XSD_PATH_MAX];
	uint32_t vlen;
	char value[XSD_VALUE_MAX];
	uint8_t nperms;
	struct xsd_perm perms[XSD_PERMS_MAX];
};

struct xsd_watch {
	bool used;
	bool relative;
	uint16_t dom;
	int16_t conn; /* index in xsd.conn (-1: the domain's first connection) */
	char path[XSD_PATH_MAX];  /* absolute (or @special) */
	char token[XSD_PATH_MAX];
};

struct xsd_tx {
	bool used;
	uint16_t dom;
	int16_t conn; /* the connection that started it (-1: a direct xsd_op) */
	uint32_t id;
	uint64_t start_gen;
};

/* What the owner set up for an introduced domain's ring (kept for release). */
struct xsd_ring_io {
	struct xenstore_domain_interface *intf;
	void (*notify)(void *ctx); /* kick the client (EVTCHNOP_send) */
	void *ctx;
	uint32_t local_port; /* the owner's end of the store channel */
	uint64_t local_gfn;  /* where the ring is mapped at the owner */
	uint64_t gfn;	     /* the ring's frame in the domain (INTRODUCE's) */
	uint32_t port;	     /* the domain's end (INTRODUCE's) */
};

struct xsd_domain_ops {
	/* INTRODUCE: map dom's frame gfn here, bind the domain's port `port`
	 * and fill io (intf, notify, ctx, local_*). The server zeroes nothing:
	 * the owner clears a fresh ring (the domain has not run yet, as libxl
	 * introduces before unpausing). 0 or a negative Xen errno (the reply). */
	int (*introduce)(void *ctx, uint16_t dom, uint64_t gfn, uint32_t port,
			 struct xsd_ring_io *io);
	/* Undo introduce (RELEASE, or the domain died). */
	void (*release)(void *ctx, uint16_t dom, struct xsd_ring_io *io);
	/* After VIRQ_DOM_EXC: the domain's state (XSD_DOM_*). */
	int (*state)(void *ctx, uint16_t dom);
};

#define XSD_DOM_RUNNING 0
#define XSD_DOM_SHUTDOWN 1 /* shut down, not yet dying: @releaseDomain once */
#define XSD_DOM_DEAD 2	   /* dying or gone: connection released */

enum xsd_conn_kind {
	XSD_CONN_RING,	     /* xsd_connect: set up by the caller */
	XSD_CONN_INTRODUCED, /* INTRODUCE: set up through xsd_domain_ops */
	XSD_CONN_LOCAL,	     /* xsd_connect_local: a Dom0-local client */
};

struct xsd_conn {
	bool used;
	bool broken; /* protocol error: no more requests served */
	bool shutdown_seen; /* @releaseDomain already fired for its shutdown */
	uint8_t kind;	    /* enum xsd_conn_kind */
	uint16_t dom;
	struct xsd_ring_io io; /* XSD_CONN_INTRODUCED */
	struct xenstore_domain_interface *intf;
	void (*notify)(void *ctx);
	void *ctx;
	uint32_t in_have;
	union {
		struct xsd_sockmsg hdr;
		char bytes[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 1];
	} in;
	char out[XSD_OUT_SIZE];
	uint32_t out_head, out_len;
	uint32_t reserve; /* kept free for the reply being made */
	uint64_t served, events_dropped;
};

struct xsd_quota {
	uint32_t nodes, watches, txs;
};

struct xsd_stats {
	uint64_t introduced, released, died, special_events;
};

struct xsd {
	uint32_t lock; /* xsd_lock/xsd_unlock */
	const struct xsd_domain_ops *ops; /* NULL: INTRODUCE is ENOSYS */
	void *ops_ctx;
	struct xsd_stats stats;
	struct xsd_node node[XSD_NODES];
	struct xsd_watch watch[XSD_WATCHES];
	struct xsd_tx tx[XSD_TXS];
	struct xsd_conn conn[XSD_CONNS];
	struct xsd_quota quota; /* for every unprivileged domain */
	uint64_t gen;		/* commits to the tree */
	uint32_t next_tx;
	unsigned int rr;	/* round-robin start */
};

void xsd_init(struct xsd *s);
void xsd_set_domain_ops(struct xsd *s, const struct xsd_domain_ops *ops, void *ctx);

/* The store's lock (a spin lock: held for one request at most). */
void xsd_lock(struct xsd *s);
void xsd_unlock(struct xsd *s);

/* A domain's ring: the page is already mapped by the caller. */
struct xsd_conn *xsd_connect(struct xsd *s, uint16_t dom, struct xenstore_domain_interface *intf,
			     void (*notify)(void *), void *ctx);
/* A Dom0-local client over a ring page in Dom0's own memory (the caller
 * made it and a loopback channel; notify kicks the client's end). */
struct xsd_conn *xsd_connect_local(struct xsd *s, struct xenstore_domain_interface *intf,
				   void (*notify)(void *), void *ctx);
/* Drops the connection's watches and its domain's transactions (not its
 * nodes); an introduced ring is released through the ops (no event). */
void xsd_disconnect(struct xsd *s, struct xsd_conn *c);

/* RELEASE from the owner's side (same as the message): 0 or -XEN_ENOENT. */
int xsd_release(struct xsd *s, uint16_t dom);
/* After VIRQ_DOM_EXC: asks ops->state for every introduced domain, fires
 * @releaseDomain for a new shutdown, releases the dead ones. Returns the
 * domains released. */
unsigned int xsd_domains_check(struct xsd *s);
/* The connection serving dom's ring (introduced or connected), or NULL. */
struct xsd_conn *xsd_conn_of(struct xsd *s, uint16_t dom);

/* One round: flush queued output, serve at most one request per
 * connection. Returns the number of requests served. */
unsigned int xsd_poll(struct xsd *s);

/*
 * The operation layer (what a request does; the tests call it directly).
 * in/len: the request payload; the reply is appended with xsd_reply-like
 * semantics into out (size XENSTORE_PAYLOAD_MAX), its length in *olen.
 * Returns 0 or a negative Xen errno (the reply is then XS_ERROR).
 * Watch events raised are queued on the connections.
 */
int xsd_op(struct xsd *s, uint16_t dom, uint32_t type, uint32_t tx, const char *in,
	   uint32_t len, char *out, uint32_t *olen);
/* The same for a request arriving on connection c (watches set belong to c). */
int xsd_conn_op(struct xsd *s, struct xsd_conn *c, uint32_t type, uint32_t tx, const char *in,
		uint32_t len, char *out, uint32_t *olen);

unsigned int xsd_count_nodes(const struct xsd *s, uint16_t dom);

#endif
