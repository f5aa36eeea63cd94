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
 */
#ifndef XEN_XENSTORED_H
#define XEN_XENSTORED_H

#include <xen/xenstore.h>

#define XSD_NODES 512u
#define XSD_PATH_MAX 256u  /* with the NUL; Xen allows 3072 */
#define XSD_VALUE_MAX 1024u /* Xen's default entry-size quota is 2048 */
#define XSD_PERMS_MAX 8u
#define XSD_WATCHES 128u
#define XSD_TXS 16u
#define XSD_CONNS 8u
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
	char path[XSD_PATH_MAX];  /* absolute (or @special) */
	char token[XSD_PATH_MAX];
};

struct xsd_tx {
	bool used;
	uint16_t dom;
	uint32_t id;
	uint64_t start_gen;
};

struct xsd_conn {
	bool used;
	bool broken; /* protocol error: no more requests served */
	uint16_t dom;
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

struct xsd {
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

/* A domain's ring: the page is already mapped by the caller. */
struct xsd_conn *xsd_connect(struct xsd *s, uint16_t dom, struct xenstore_domain_interface *intf,
			     void (*notify)(void *), void *ctx);
/* Drops the domain's watches and transactions (not its nodes). */
void xsd_disconnect(struct xsd *s, struct xsd_conn *c);

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

unsigned int xsd_count_nodes(const struct xsd *s, uint16_t dom);

#endif
