/*
 * Several fetches under one loop: a round-robin set of pointers (fetch_multi.h).
 */
#include "wizfetch/fetch_multi.h"

#include "wizfetch/error.h"

void wf_fetch_multi_init(wf_fetch_multi_t *m, wf_net_t *net)
{
    *m = (wf_fetch_multi_t){.net = net};
}

size_t wf_fetch_multi_capacity(const wf_fetch_multi_t *m)
{
    size_t sockets = m->net->chip->sockets;
    return sockets < WF_FETCH_MAX_TRANSFERS ? sockets : WF_FETCH_MAX_TRANSFERS;
}

static int index_of(const wf_fetch_multi_t *m, const wf_fetch_t *f)
{
    for (int i = 0; i < m->count; i++) {
        if (m->fetch[i] == f) {
            return i;
        }
    }
    return -1;
}

int wf_fetch_multi_add(wf_fetch_multi_t *m, wf_fetch_t *f)
{
    if (f->net != m->net || index_of(m, f) >= 0) {
        return WF_EINVAL;
    }
    if (m->count >= wf_fetch_multi_capacity(m)) {
        return WF_EMFILE;
    }
    m->fetch[m->count++] = f;
    return 0;
}

/* Take entry i out, keeping the order of the others. */
static void remove_at(wf_fetch_multi_t *m, int i)
{
    for (int j = i; j + 1 < m->count; j++) {
        m->fetch[j] = m->fetch[j + 1];
    }
    m->count--;
    if (m->next > i) {
        m->next--;
    }
    if (m->next >= m->count) {
        m->next = 0;
    }
}

int wf_fetch_multi_poll(wf_fetch_multi_t *m, wf_fetch_t **done)
{
    *done = NULL;
    m->progressed = false;
    if (m->count == 0) {
        return WF_EINVAL;
    }
    uint8_t first = m->next < m->count ? m->next : 0;
    m->next = (uint8_t)((first + 1) % m->count); /* the next poll starts one further */
    for (uint8_t k = 0; k < m->count; k++) {
        int i = (first + k) % m->count;
        wf_fetch_t *f = m->fetch[i];
        int rc = wf_fetch_poll(f);
        m->progressed |= wf_fetch_progressed(f);
        if (rc != WF_EAGAIN) {
            remove_at(m, i);
            *done = f;
            return rc;
        }
    }
    return WF_EAGAIN;
}

void wf_fetch_multi_abort(wf_fetch_multi_t *m, wf_fetch_t *f)
{
    int i = index_of(m, f);
    if (i >= 0) {
        wf_fetch_abort(f);
        remove_at(m, i);
    }
}
