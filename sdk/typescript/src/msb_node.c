/*
 * The Node-API half of the msb binding: every libmsb call behind a
 * Promise; the TypeScript layer (lib/) gives the calls their public shape.
 *
 * Threads. A libmsb call blocks for as long as its command runs, so each
 * runs on a thread of its own and hands its result back to the event loop
 * through one thread-safe function. Not libuv's pool (napi async work):
 * its four threads would run a fifth exec only after one of the first
 * four ended, and an attach or a served connection would hold a pool
 * thread that fs and dns calls need, for as long as it lasts.
 *
 * Handles. A client, SFTP session or server is an empty JS object wrapping a struct
 * handle. Calls borrow the handle (users) on the main thread and give it
 * back in their done callback, also on the main thread, so the counts
 * need no lock. close() stops new calls and frees the libmsb handle, on
 * a thread too, once the last call has returned; an SFTP session holds
 * its client the same way until it is freed. The struct itself lives
 * until both the libmsb handle is freed and the wrapper is collected,
 * so neither a late close() nor the finalizer can touch freed memory.
 */
#define _POSIX_C_SOURCE 200809L
#define NAPI_VERSION 8
#include <node_api.h>

#include <msb/msb.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_CLIENT, K_SFTP, K_SERVER };

static const char *const kind_names[] = { "SSH client", "SFTP session", "SSH server endpoint" };

/* Tells our wrappers from any other: a foreign wrapper is never cast. */
static const napi_type_tag kind_tags[] = {
	{ 0x6d7362636c69656eULL, 0x7401a3c5e2f94b17ULL },
	{ 0x6d73627366747073ULL, 0x6573b88d01c27e3aULL },
	{ 0x6d73627365727665ULL, 0x72d14f0e9a6b5c28ULL },
};

typedef struct waiter {
	napi_deferred deferred;
	struct waiter *next;
} waiter;

typedef struct handle {
	enum kind kind;
	void *ptr;              /* the libmsb handle; NULL once freed */
	struct handle *parent;  /* an SFTP session's client */
	unsigned users;         /* calls in flight, and a client's open SFTP sessions */
	bool closing;           /* no new calls; free when users drops to 0 */
	bool freeing;           /* the free is queued */
	bool wrapped;           /* its wrapper is not collected yet */
	waiter *waiters;        /* close() promises */
} handle;

/*
 * What job threads share with the main thread. It outlives the instance:
 * a Worker's environment (or the process's, at exit) is torn down while
 * threads may still run, so it is freed by whichever of the instance, the
 * thread-safe function and the threads lets go of it last, and once Node
 * has finalized the thread-safe function (dead) no thread calls it again.
 */
typedef struct tether {
	pthread_mutex_t mu;
	napi_threadsafe_function done;  /* runs a finished job's done() on the main thread */
	unsigned refs;          /* the instance, the thread-safe function, each thread */
	bool dead;
} tether;

typedef struct inst {
	napi_ref make_error;    /* (code, name, message, closed) => Error, set by the TS layer */
	tether *t;
	unsigned running;       /* jobs in flight: the loop stays alive while there are */
} inst;

/* run(arg) on a thread, then done(env, arg) on the main thread. */
typedef struct job {
	void (*run)(void *arg);
	void (*done)(napi_env env, void *arg);
	void *arg;
	tether *t;
} job;

enum op {
	OP_CHECK, OP_CONNECT, OP_SERVER_NEW, OP_EXEC, OP_ATTACH, OP_SFTP_OPEN,
	OP_READ, OP_WRITE, OP_MKDIR, OP_REMOVE_FILE, OP_REMOVE_DIR, OP_RENAME,
	OP_REAL_PATH, OP_READ_LINK, OP_SYMLINK, OP_STAT, OP_LIST_DIR, OP_SERVE,
};

typedef struct call {
	enum op op;
	napi_deferred deferred;
	handle *h;              /* borrowed for the call; NULL for the sandbox calls */
	char *a, *b, *c, *d;    /* string arguments (NULL: libmsb's default) */
	int flag;               /* tty, sftp */
	napi_ref keep;          /* the Buffer sftp.write reads on the worker thread */
	const void *data;
	size_t len;
	msb_status st;
	char *errmsg;           /* copied at once: the next call on the handle replaces it */
	union {
		msb_ssh_output out;
		struct { unsigned char *buf; size_t len; } bytes;
		char *str;
		msb_sftp_attrs attrs;
		struct { msb_sftp_entry *v; size_t n; } list;
		int code;
		void *ptr;
	} r;
} call;

/* ---- errors ---------------------------------------------------------- */

static char *
dup_msg(const char *m)
{
	return strdup(m != NULL ? m : "");
}

/* An Error from the TS layer's factory; a plain Error when that fails. */
static napi_value
make_error(napi_env env, msb_status st, const char *msg, bool closed)
{
	inst *in = NULL;
	napi_value fn, global, args[4], err = NULL;
	if (msg == NULL)
		msg = "out of memory";
	if (napi_get_instance_data(env, (void **)&in) == napi_ok && in != NULL &&
	    napi_get_reference_value(env, in->make_error, &fn) == napi_ok && fn != NULL &&
	    napi_get_global(env, &global) == napi_ok &&
	    napi_create_int32(env, (int32_t)st, &args[0]) == napi_ok &&
	    napi_create_string_utf8(env, msb_status_name(st), NAPI_AUTO_LENGTH, &args[1]) == napi_ok &&
	    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &args[2]) == napi_ok &&
	    napi_get_boolean(env, closed, &args[3]) == napi_ok &&
	    napi_call_function(env, global, fn, 4, args, &err) == napi_ok)
		return err;
	napi_value m;
	if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m) != napi_ok ||
	    napi_create_error(env, NULL, m, &err) != napi_ok)
		return NULL;
	return err;
}

static void
reject(napi_env env, napi_deferred d, msb_status st, const char *msg, bool closed)
{
	napi_value e = make_error(env, st, msg, closed);
	if (e == NULL && napi_get_undefined(env, &e) != napi_ok)
		return;
	napi_reject_deferred(env, d, e);
}

/* ---- jobs -------------------------------------------------------------- */

static void
tether_drop(tether *t)
{
	pthread_mutex_lock(&t->mu);
	bool last = --t->refs == 0;
	pthread_mutex_unlock(&t->mu);
	if (last) {
		pthread_mutex_destroy(&t->mu);
		free(t);
	}
}

/* Node finalizes the thread-safe function with the environment. */
static void
tether_finalize(napi_env env, void *data, void *hint)
{
	tether *t = data;
	(void)env;
	(void)hint;
	pthread_mutex_lock(&t->mu);
	t->dead = true;
	pthread_mutex_unlock(&t->mu);
	tether_drop(t);
}

static void *
job_thread(void *p)
{
	job *j = p;
	tether *t = j->t;
	napi_status st = napi_closing;

	j->run(j->arg);
	/* The queue is unbounded, so the call never blocks under the lock. */
	pthread_mutex_lock(&t->mu);
	if (!t->dead)
		st = napi_call_threadsafe_function(t->done, j, napi_tsfn_nonblocking);
	pthread_mutex_unlock(&t->mu);
	/* The environment is gone: nobody is left to take the result. */
	if (st != napi_ok)
		free(j);
	tether_drop(t);
	return NULL;
}

static void
job_done(napi_env env, napi_value cb, void *context, void *data)
{
	job *j = data;
	inst *in = context;
	(void)cb;
	/* env is NULL while the environment is torn down: no JS to answer. */
	if (env != NULL) {
		if (--in->running == 0)
			napi_unref_threadsafe_function(env, in->t->done);
		j->done(env, j->arg);
	}
	free(j);
}

/* Starts run(arg) on a new thread; false if none could be had. */
static bool
spawn(napi_env env, void (*run)(void *), void (*done)(napi_env, void *), void *arg)
{
	inst *in = NULL;
	pthread_attr_t attr;
	pthread_t t;
	job *j;
	bool ok;

	if (napi_get_instance_data(env, (void **)&in) != napi_ok || in == NULL ||
	    (j = malloc(sizeof(*j))) == NULL)
		return false;
	j->run = run;
	j->done = done;
	j->arg = arg;
	j->t = in->t;
	/* A finalizer run while the environment is torn down gets no thread:
	 * its result could not come back. */
	pthread_mutex_lock(&in->t->mu);
	ok = !in->t->dead;
	if (ok)
		in->t->refs++;
	pthread_mutex_unlock(&in->t->mu);
	if (!ok || pthread_attr_init(&attr) != 0) {
		if (ok)
			tether_drop(in->t);
		free(j);
		return false;
	}
	ok = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
	    pthread_create(&t, &attr, job_thread, j) == 0;
	pthread_attr_destroy(&attr);
	if (!ok) {
		tether_drop(in->t);
		free(j);
		return false;
	}
	if (in->running++ == 0)
		napi_ref_threadsafe_function(env, in->t->done);
	return true;
}

/* ---- handles ---------------------------------------------------------- */

static void start_free(napi_env env, handle *h);

static void
free_native(handle *h)
{
	switch (h->kind) {
	case K_CLIENT:
		msb_ssh_client_close(h->ptr);
		break;
	case K_SFTP:
		msb_sftp_close(h->ptr);
		break;
	case K_SERVER:
		msb_ssh_server_close(h->ptr);
		break;
	}
}

static void
release(napi_env env, handle *h)
{
	h->users--;
	if (h->closing && h->users == 0)
		start_free(env, h);
}

/* The libmsb handle is gone: answer close(), let go of the parent, and
 * free the struct if its wrapper is gone too. */
static void
freed(napi_env env, handle *h)
{
	napi_value undef;
	h->ptr = NULL;
	h->freeing = false;
	if (napi_get_undefined(env, &undef) != napi_ok)
		undef = NULL;
	while (h->waiters != NULL) {
		waiter *w = h->waiters;
		h->waiters = w->next;
		napi_resolve_deferred(env, w->deferred, undef);
		free(w);
	}
	if (h->parent != NULL) {
		handle *p = h->parent;
		h->parent = NULL;
		release(env, p);
	}
	if (!h->wrapped)
		free(h);
}

static void
free_run(void *arg)
{
	free_native(arg);
}

static void
free_done(napi_env env, void *arg)
{
	freed(env, arg);
}

static void
start_free(napi_env env, handle *h)
{
	if (h->ptr == NULL || h->freeing)
		return;
	h->freeing = true;
	if (spawn(env, free_run, free_done, h))
		return;
	/* No thread to be had: a client's close blocks the loop briefly. */
	free_native(h);
	freed(env, h);
}

static void
wrapper_finalize(napi_env env, void *data, void *hint)
{
	handle *h = data;
	(void)hint;
	h->wrapped = false;
	if (h->ptr == NULL && !h->freeing) {
		free(h);
		return;
	}
	h->closing = true;
	if (h->users == 0)
		start_free(env, h);
}

static napi_status
wrap_handle(napi_env env, enum kind kind, void *ptr, handle *parent, napi_value *out)
{
	handle *h = calloc(1, sizeof(*h));
	napi_status s;
	if (h == NULL)
		return napi_generic_failure;
	h->kind = kind;
	h->wrapped = true;
	if ((s = napi_create_object(env, out)) != napi_ok ||
	    (s = napi_type_tag_object(env, *out, &kind_tags[kind])) != napi_ok ||
	    (s = napi_wrap(env, *out, h, wrapper_finalize, NULL, NULL)) != napi_ok) {
		free(h);   /* the caller frees ptr */
		return s;
	}
	h->ptr = ptr;
	if (parent != NULL) {
		h->parent = parent;
		parent->users++;
	}
	return napi_ok;
}

/* ---- arguments -------------------------------------------------------- */

/* The handle of kind in v; a message for the caller otherwise. */
static const char *
get_handle(napi_env env, napi_value v, enum kind kind, handle **out)
{
	bool ok = false;
	void *p;
	napi_valuetype t;
	if (napi_typeof(env, v, &t) != napi_ok || t != napi_object ||
	    napi_check_object_type_tag(env, v, &kind_tags[kind], &ok) != napi_ok || !ok ||
	    napi_unwrap(env, v, &p) != napi_ok)
		return "not a handle of this kind";
	*out = p;
	return NULL;
}

/* A NUL-terminated copy of the string v (NULL for null or undefined when
 * optional). Returns a message on a bad argument. */
static const char *
get_str(napi_env env, napi_value v, bool optional, char **out)
{
	napi_valuetype t;
	size_t len;
	*out = NULL;
	if (napi_typeof(env, v, &t) != napi_ok)
		return "cannot read an argument";
	if (optional && (t == napi_null || t == napi_undefined))
		return NULL;
	if (t != napi_string)
		return "a string argument is not a string";
	if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok)
		return "cannot read a string argument";
	if ((*out = malloc(len + 1)) == NULL)
		return "out of memory";
	if (napi_get_value_string_utf8(env, v, *out, len + 1, &len) != napi_ok)
		return "cannot read a string argument";
	if (strlen(*out) != len)
		return "a string argument contains a NUL byte";
	return NULL;
}

static void
call_free(napi_env env, call *c)
{
	if (c->keep != NULL)
		napi_delete_reference(env, c->keep);
	free(c->a);
	free(c->b);
	free(c->c);
	free(c->d);
	free(c->errmsg);
	free(c);
}

/* ---- the calls, on a worker thread ----------------------------------- */

static msb_status
sandbox_call(call *c)
{
	msb_sandbox *sb = NULL;
	msb_status st = msb_sandbox_open(c->a, &sb);
	if (st == MSB_OK && c->op == OP_CONNECT) {
		msb_ssh_client_opts o;
		msb_ssh_client_opts_init(&o);
		if (c->b != NULL)
			o.user = c->b;
		o.term = c->c;
		o.sftp = c->flag;
		st = msb_ssh_connect(sb, &o, (msb_ssh_client **)&c->r.ptr);
	} else if (st == MSB_OK && c->op == OP_SERVER_NEW) {
		msb_ssh_server_opts o;
		msb_ssh_server_opts_init(&o);
		o.host_key_path = c->b;
		o.authorized_keys_path = c->c;
		o.user = c->d;
		o.sftp = c->flag;
		st = msb_ssh_server_new(sb, &o, (msb_ssh_server **)&c->r.ptr);
	}
	if (st != MSB_OK)
		c->errmsg = sb != NULL ? dup_msg(msb_sandbox_errmsg(sb)) : NULL;
	msb_sandbox_close(sb);
	return st;
}

static msb_status
client_call(call *c)
{
	msb_ssh_client *cl = c->h->ptr;
	msb_status st;
	if (c->op == OP_EXEC) {
		msb_ssh_exec_opts o;
		msb_ssh_exec_opts_init(&o);
		o.tty = c->flag;
		st = msb_ssh_client_exec_with(cl, c->a, &o, &c->r.out);
	} else if (c->op == OP_ATTACH) {
		msb_ssh_attach_opts o;
		msb_ssh_attach_opts_init(&o);
		o.term = c->a;
		if (c->b != NULL)
			o.detach_keys = c->b;
		st = msb_ssh_client_attach_with(cl, &o, &c->r.code);
		if (st == MSB_DETACHED)
			return st;
	} else {
		st = msb_ssh_client_sftp(cl, (msb_sftp **)&c->r.ptr);
	}
	if (st != MSB_OK)
		c->errmsg = dup_msg(msb_ssh_client_errmsg(cl));
	return st;
}

static msb_status
sftp_call(call *c)
{
	msb_sftp *s = c->h->ptr;
	msb_status st = MSB_ERR_INVALID;
	switch (c->op) {
	case OP_READ:
		st = msb_sftp_read(s, c->a, &c->r.bytes.buf, &c->r.bytes.len);
		break;
	case OP_WRITE:
		st = msb_sftp_write(s, c->a, c->data, c->len);
		break;
	case OP_MKDIR:
		st = msb_sftp_mkdir(s, c->a);
		break;
	case OP_REMOVE_FILE:
		st = msb_sftp_remove_file(s, c->a);
		break;
	case OP_REMOVE_DIR:
		st = msb_sftp_remove_dir(s, c->a);
		break;
	case OP_RENAME:
		st = msb_sftp_rename(s, c->a, c->b);
		break;
	case OP_REAL_PATH:
		st = msb_sftp_real_path(s, c->a, &c->r.str);
		break;
	case OP_READ_LINK:
		st = msb_sftp_read_link(s, c->a, &c->r.str);
		break;
	case OP_SYMLINK:
		st = msb_sftp_symlink(s, c->a, c->b);
		break;
	case OP_STAT:
		st = msb_sftp_stat(s, c->a, &c->r.attrs);
		break;
	case OP_LIST_DIR:
		st = msb_sftp_list_dir(s, c->a, &c->r.list.v, &c->r.list.n);
		break;
	default:
		break;
	}
	if (st != MSB_OK)
		c->errmsg = dup_msg(msb_sftp_errmsg(s));
	return st;
}

static void
call_run(void *data)
{
	call *c = data;
	switch (c->op) {
	case OP_CHECK:
	case OP_CONNECT:
	case OP_SERVER_NEW:
		c->st = sandbox_call(c);
		break;
	case OP_EXEC:
	case OP_ATTACH:
	case OP_SFTP_OPEN:
		c->st = client_call(c);
		break;
	case OP_SERVE:
		c->st = msb_ssh_server_serve_stdio(c->h->ptr);
		if (c->st != MSB_OK)
			c->errmsg = dup_msg(msb_ssh_server_errmsg(c->h->ptr));
		break;
	default:
		c->st = sftp_call(c);
		break;
	}
}

/* ---- results, on the main thread ------------------------------------- */

static void
free_external_data(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	msb_free(data);
}

/* A Buffer over len bytes libmsb allocated at *p, which it now owns: the
 * bytes are never copied, and msb_free() runs when it is collected. */
static napi_status
take_buffer(napi_env env, unsigned char **p, size_t len, napi_value *out)
{
	napi_status s;
	if (len == 0)
		return napi_create_buffer(env, 0, NULL, out);
	s = napi_create_external_buffer(env, len, *p, free_external_data, NULL, out);
	if (s == napi_ok)
		*p = NULL;
	return s;
}

static napi_status
set_num(napi_env env, napi_value obj, const char *key, double v)
{
	napi_value n;
	napi_status s = napi_create_double(env, v, &n);
	return s != napi_ok ? s : napi_set_named_property(env, obj, key, n);
}

static napi_status
attrs_value(napi_env env, const msb_sftp_attrs *a, napi_value *out)
{
	napi_status s = napi_create_object(env, out);
	if (s == napi_ok) s = set_num(env, *out, "size", (double)a->size);
	if (s == napi_ok) s = set_num(env, *out, "mode", a->mode);
	if (s == napi_ok) s = set_num(env, *out, "uid", a->uid);
	if (s == napi_ok) s = set_num(env, *out, "gid", a->gid);
	if (s == napi_ok) s = set_num(env, *out, "atime", (double)a->atime);
	if (s == napi_ok) s = set_num(env, *out, "mtime", (double)a->mtime);
	return s;
}

static napi_status
exec_value(napi_env env, msb_ssh_output *o, napi_value *out)
{
	napi_value so, se;
	napi_status s = napi_create_object(env, out);
	if (s == napi_ok) s = set_num(env, *out, "status", o->status);
	if (s == napi_ok) s = set_num(env, *out, "signal", o->signal);
	if (s == napi_ok) s = take_buffer(env, &o->stdout_data, o->stdout_len, &so);
	if (s == napi_ok) s = napi_set_named_property(env, *out, "stdout", so);
	if (s == napi_ok) s = take_buffer(env, &o->stderr_data, o->stderr_len, &se);
	if (s == napi_ok) s = napi_set_named_property(env, *out, "stderr", se);
	return s;
}

static napi_status
list_value(napi_env env, msb_sftp_entry *v, size_t n, napi_value *out)
{
	napi_status s = napi_create_array_with_length(env, n, out);
	for (size_t i = 0; s == napi_ok && i < n; i++) {
		napi_value e, name, attrs;
		s = napi_create_object(env, &e);
		if (s == napi_ok) s = napi_create_string_utf8(env, v[i].name, NAPI_AUTO_LENGTH, &name);
		if (s == napi_ok) s = napi_set_named_property(env, e, "name", name);
		if (s == napi_ok) s = attrs_value(env, &v[i].attrs, &attrs);
		if (s == napi_ok) s = napi_set_named_property(env, e, "attrs", attrs);
		if (s == napi_ok) s = napi_set_element(env, *out, (uint32_t)i, e);
	}
	return s;
}

/* The JS value of a successful call; whatever libmsb returned that the
 * value does not own is freed here, on success or not. */
static napi_status
result_value(napi_env env, call *c, napi_value *out)
{
	napi_status s = napi_ok;
	switch (c->op) {
	case OP_CONNECT:
	case OP_SERVER_NEW:
		s = wrap_handle(env, c->op == OP_CONNECT ? K_CLIENT : K_SERVER, c->r.ptr, NULL, out);
		if (s != napi_ok)
			(c->op == OP_CONNECT ? (void)msb_ssh_client_close(c->r.ptr)
			                     : msb_ssh_server_close(c->r.ptr));
		return s;
	case OP_SFTP_OPEN:
		s = wrap_handle(env, K_SFTP, c->r.ptr, c->h, out);
		if (s != napi_ok)
			msb_sftp_close(c->r.ptr);
		return s;
	case OP_EXEC:
		s = exec_value(env, &c->r.out, out);
		msb_ssh_output_free(&c->r.out);
		return s;
	case OP_ATTACH:
		return napi_create_int32(env, c->st == MSB_DETACHED ? -1 : c->r.code, out);
	case OP_READ:
		s = take_buffer(env, &c->r.bytes.buf, c->r.bytes.len, out);
		msb_free(c->r.bytes.buf);
		return s;
	case OP_REAL_PATH:
	case OP_READ_LINK:
		s = napi_create_string_utf8(env, c->r.str, NAPI_AUTO_LENGTH, out);
		msb_free(c->r.str);
		return s;
	case OP_STAT:
		return attrs_value(env, &c->r.attrs, out);
	case OP_LIST_DIR:
		s = list_value(env, c->r.list.v, c->r.list.n, out);
		msb_sftp_entries_free(c->r.list.v, c->r.list.n);
		return s;
	default:
		return napi_get_undefined(env, out);
	}
}

static void
call_done(napi_env env, void *data)
{
	call *c = data;
	napi_value v = NULL;
	if (c->st == MSB_OK && c->op == OP_SFTP_OPEN && c->h->closing) {
		/* The client began closing while the session opened: nobody
		 * would close the session, and the client waits on it. */
		msb_sftp_close(c->r.ptr);
		reject(env, c->deferred, MSB_ERR_INVALID, "the SSH client is closed", true);
	} else if (c->st == MSB_OK || c->st == MSB_DETACHED) {
		napi_status s = result_value(env, c, &v);
		if (s == napi_ok)
			napi_resolve_deferred(env, c->deferred, v);
		else
			reject(env, c->deferred, MSB_ERR_NOMEM, "cannot build the result", false);
	} else {
		reject(env, c->deferred, c->st, c->errmsg, false);
	}
	if (c->h != NULL)
		release(env, c->h);
	call_free(env, c);
}

/* ---- the exported functions ------------------------------------------ */

#define MAX_ARGS 6

/* A call of op on the handle of kind in argv[0] (kind < 0: no handle),
 * taking nstr string arguments that follow into a..d, the first nreq of
 * them required, then a flag or a Buffer. Returns the promise; argument
 * errors reject it. */
static napi_value
start(napi_env env, napi_callback_info info, enum op op, int kind, size_t nstr, size_t nreq)
{
	napi_value argv[MAX_ARGS], promise;
	size_t argc = MAX_ARGS;
	call *c = calloc(1, sizeof(*c));
	const char *bad = NULL;
	size_t first = kind < 0 ? 0 : 1;
	char **strs[4];

	if (c == NULL) {
		napi_throw_error(env, NULL, "out of memory");
		return NULL;
	}
	c->op = op;
	if (napi_create_promise(env, &c->deferred, &promise) != napi_ok) {
		free(c);
		return NULL;
	}
	strs[0] = &c->a, strs[1] = &c->b, strs[2] = &c->c, strs[3] = &c->d;
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok)
		bad = "cannot read the arguments";
	for (size_t i = argc; i < MAX_ARGS && bad == NULL; i++)
		if (napi_get_undefined(env, &argv[i]) != napi_ok)
			bad = "cannot read the arguments";
	if (bad == NULL && kind >= 0) {
		bad = get_handle(env, argv[0], (enum kind)kind, &c->h);
		if (bad == NULL && (c->h->closing || c->h->ptr == NULL)) {
			char msg[64];
			snprintf(msg, sizeof(msg), "the %s is closed", kind_names[kind]);
			reject(env, c->deferred, MSB_ERR_INVALID, msg, true);
			call_free(env, c);
			return promise;
		}
	}
	for (size_t i = 0; i < nstr && bad == NULL; i++)
		bad = get_str(env, argv[first + i], i >= nreq, strs[i]);
	if (bad == NULL && (op == OP_CONNECT || op == OP_SERVER_NEW || op == OP_EXEC)) {
		bool b = false;
		if (napi_get_value_bool(env, argv[first + nstr], &b) != napi_ok)
			bad = "a flag argument is not a boolean";
		c->flag = b;
	}
	if (bad == NULL && op == OP_WRITE) {
		bool isbuf = false;
		void *p = NULL;
		if (napi_is_buffer(env, argv[first + nstr], &isbuf) != napi_ok || !isbuf ||
		    napi_get_buffer_info(env, argv[first + nstr], &p, &c->len) != napi_ok ||
		    napi_create_reference(env, argv[first + nstr], 1, &c->keep) != napi_ok)
			bad = "data is not a Buffer";
		c->data = p;
	}
	/* Borrowed before the thread starts: its done() gives it back. */
	if (bad == NULL && c->h != NULL)
		c->h->users++;
	if (bad == NULL && !spawn(env, call_run, call_done, c)) {
		if (c->h != NULL)
			c->h->users--;
		bad = "cannot start a thread for the call";
	}
	if (bad != NULL) {
		reject(env, c->deferred, MSB_ERR_INVALID, bad, false);
		call_free(env, c);
		return promise;
	}
	return promise;
}

#define CALL(fn, op, kind, nstr, nreq) \
	static napi_value fn(napi_env env, napi_callback_info info) \
	{ return start(env, info, op, kind, nstr, nreq); }

/* check(name) */
CALL(js_check, OP_CHECK, -1, 1, 1)
/* connect(name, user?, term?, sftp) */
CALL(js_connect, OP_CONNECT, -1, 3, 1)
/* serverNew(name, hostKeyPath?, authorizedKeysPath?, user?, sftp) */
CALL(js_server_new, OP_SERVER_NEW, -1, 4, 1)
/* exec(client, command, tty) */
CALL(js_exec, OP_EXEC, K_CLIENT, 1, 1)
/* attach(client, term?, detachKeys?) */
CALL(js_attach, OP_ATTACH, K_CLIENT, 2, 0)
/* sftpOpen(client) */
CALL(js_sftp_open, OP_SFTP_OPEN, K_CLIENT, 0, 0)
/* read(sftp, path), write(sftp, path, buffer), ... */
CALL(js_read, OP_READ, K_SFTP, 1, 1)
CALL(js_write, OP_WRITE, K_SFTP, 1, 1)
CALL(js_mkdir, OP_MKDIR, K_SFTP, 1, 1)
CALL(js_remove_file, OP_REMOVE_FILE, K_SFTP, 1, 1)
CALL(js_remove_dir, OP_REMOVE_DIR, K_SFTP, 1, 1)
CALL(js_rename, OP_RENAME, K_SFTP, 2, 2)
CALL(js_real_path, OP_REAL_PATH, K_SFTP, 1, 1)
CALL(js_read_link, OP_READ_LINK, K_SFTP, 1, 1)
CALL(js_symlink, OP_SYMLINK, K_SFTP, 2, 2)
CALL(js_stat, OP_STAT, K_SFTP, 1, 1)
CALL(js_list_dir, OP_LIST_DIR, K_SFTP, 1, 1)
/* serve(server) */
CALL(js_serve, OP_SERVE, K_SERVER, 0, 0)

/* close(handle): resolves once the libmsb handle is freed, which waits
 * for the calls in flight (and a client's SFTP sessions). Any number of
 * times. */
static napi_value
js_close(napi_env env, napi_callback_info info)
{
	napi_value argv[1], promise;
	size_t argc = 1;
	napi_deferred d;
	handle *h = NULL;
	waiter *w;

	if (napi_create_promise(env, &d, &promise) != napi_ok)
		return NULL;
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
		reject(env, d, MSB_ERR_INVALID, "close needs a handle", false);
		return promise;
	}
	for (int k = K_CLIENT; k <= K_SERVER && h == NULL; k++)
		if (get_handle(env, argv[0], (enum kind)k, &h) != NULL)
			h = NULL;
	if (h == NULL) {
		reject(env, d, MSB_ERR_INVALID, "not an msb handle", false);
		return promise;
	}
	if (h->ptr == NULL) {
		napi_value undef;
		if (napi_get_undefined(env, &undef) == napi_ok)
			napi_resolve_deferred(env, d, undef);
		return promise;
	}
	if ((w = malloc(sizeof(*w))) == NULL) {
		reject(env, d, MSB_ERR_NOMEM, "out of memory", false);
		return promise;
	}
	w->deferred = d;
	w->next = h->waiters;
	h->waiters = w;
	h->closing = true;
	if (h->users == 0)
		start_free(env, h);
	return promise;
}

static void
inst_free(napi_env env, void *data, void *hint)
{
	inst *in = data;
	(void)hint;
	if (in->make_error != NULL)
		napi_delete_reference(env, in->make_error);
	/* The thread-safe function is finalized by Node with the environment. */
	if (in->t != NULL)
		tether_drop(in->t);
	free(in);
}

/* setErrorFactory(fn): fn(code, name, message, closed) makes the Error a
 * failed call rejects with. */
static napi_value
js_set_error_factory(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	size_t argc = 1;
	napi_valuetype t;
	inst *in = NULL;
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
	    napi_typeof(env, argv[0], &t) != napi_ok || t != napi_function) {
		napi_throw_type_error(env, NULL, "setErrorFactory needs a function");
		return NULL;
	}
	if (napi_get_instance_data(env, (void **)&in) != napi_ok || in == NULL) {
		napi_throw_error(env, NULL, "the module has no instance data");
		return NULL;
	}
	if (in->make_error != NULL && napi_delete_reference(env, in->make_error) != napi_ok) {
		napi_throw_error(env, NULL, "cannot drop the previous factory");
		return NULL;
	}
	in->make_error = NULL;
	if (napi_create_reference(env, argv[0], 1, &in->make_error) != napi_ok) {
		napi_throw_error(env, NULL, "cannot keep the factory");
		return NULL;
	}
	return NULL;
}

static napi_value
init(napi_env env, napi_value exports)
{
	static const struct { const char *name; napi_callback fn; } fns[] = {
		{ "setErrorFactory", js_set_error_factory },
		{ "check", js_check }, { "connect", js_connect }, { "serverNew", js_server_new },
		{ "exec", js_exec }, { "attach", js_attach }, { "sftpOpen", js_sftp_open },
		{ "read", js_read }, { "write", js_write }, { "mkdir", js_mkdir },
		{ "removeFile", js_remove_file }, { "removeDir", js_remove_dir },
		{ "rename", js_rename }, { "realPath", js_real_path }, { "readLink", js_read_link },
		{ "symlink", js_symlink }, { "stat", js_stat }, { "listDir", js_list_dir },
		{ "serve", js_serve }, { "close", js_close },
	};
	inst *in;

	if ((in = calloc(1, sizeof(*in))) == NULL || (in->t = calloc(1, sizeof(*in->t))) == NULL ||
	    pthread_mutex_init(&in->t->mu, NULL) != 0) {
		if (in != NULL)
			free(in->t);
		free(in);
		napi_throw_error(env, NULL, "out of memory");
		return NULL;
	}
	in->t->refs = 1;
	if (napi_set_instance_data(env, in, inst_free, NULL) != napi_ok) {
		pthread_mutex_destroy(&in->t->mu);
		free(in->t);
		free(in);
		napi_throw_error(env, NULL, "cannot set the instance data");
		return NULL;
	}
	{
		napi_value name;
		/* The thread-safe function's own reference, dropped by its finalizer. */
		in->t->refs++;
		if (napi_create_string_utf8(env, "msb", NAPI_AUTO_LENGTH, &name) != napi_ok ||
		    napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, in->t,
		        tether_finalize, in, job_done, &in->t->done) != napi_ok) {
			in->t->refs--;
			napi_throw_error(env, NULL, "cannot create the thread-safe function");
			return NULL;
		}
		if (napi_unref_threadsafe_function(env, in->t->done) != napi_ok) {
			napi_throw_error(env, NULL, "cannot create the thread-safe function");
			return NULL;
		}
	}
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		napi_value f;
		if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL,
		        &f) != napi_ok ||
		    napi_set_named_property(env, exports, fns[i].name, f) != napi_ok) {
			napi_throw_error(env, NULL, "cannot export the functions");
			return NULL;
		}
	}
	return exports;
}

NAPI_MODULE_INIT()
{
	return init(env, exports);
}
