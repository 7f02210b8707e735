/*
 * mix.h - the `mix` kernel: a CoreMark-like blend of small-data work, so
 * that rvisor has a proxy for that kind of workload.  Written for rvisor
 * (it shares no code with CoreMark); what it copies is the shape of the
 * work: per iteration, on ~3 KiB of data that stays in L1,
 *
 *   list   - a 96-node linked list in a static pool: finds by value,
 *            reversals, a bottom-up merge sort through a compare callback;
 *   matrix - 12x12 int16 matrices: add/multiply by a constant, matrix x
 *            vector and matrix x matrix into int32, bit-field products;
 *   state  - a switch-based number scanner over ~200 bytes of
 *            comma-separated text, before and after each of 4 mutations;
 *   crc    - bitwise CRC-16 (reflected polynomial 0xA001) of every phase's
 *            results, chained from phase to phase and iteration to iteration.
 *
 * Each iteration's constants come from the running CRC, so one wrong
 * instruction anywhere changes the final result.  Integer only, portable C
 * (<stdint.h>): tools/ref.c runs the same code on the host.  Small helpers
 * are kept out of line (MIX_CALL) so there are real calls and returns, as in
 * code split over several files.
 */
#ifndef RVISOR_GUEST_MIX_H
#define RVISOR_GUEST_MIX_H

#include <stdint.h>

#define MIX_CALL static __attribute__((unused, noinline, noclone))

#define MIX_NODES 96
#define MIX_N     12
#define MIX_TEXT  200

struct mix_node {
    struct mix_node *next;
    uint16_t idx;
    int16_t val;
};

enum { MIX_ST_START, MIX_ST_SIGN, MIX_ST_INT, MIX_ST_FLOAT, MIX_ST_EXP,
       MIX_ST_EXPSIGN, MIX_ST_SCI, MIX_ST_INVALID, MIX_STATES };

/* Everything the kernel works on (the caller provides it: .bss in a guest). */
struct mix_data {
    struct mix_node pool[MIX_NODES];
    int16_t a[MIX_N * MIX_N], b[MIX_N * MIX_N];
    int32_t c[MIX_N * MIX_N];
    uint8_t text[MIX_TEXT + 1];     /* NUL-terminated */
};

/* ---- crc ---- */
MIX_CALL uint16_t mix_crc8(uint8_t byte, uint16_t crc)
{
    crc ^= byte;
    for (int k = 0; k < 8; k++) {
        if (crc & 1)
            crc = (uint16_t)((crc >> 1) ^ 0xA001u);
        else
            crc >>= 1;
    }
    return crc;
}

static inline uint16_t mix_crc16(uint16_t v, uint16_t crc)
{
    return mix_crc8((uint8_t)(v >> 8), mix_crc8((uint8_t)v, crc));
}

static inline uint16_t mix_crc32(uint32_t v, uint16_t crc)
{
    return mix_crc16((uint16_t)(v >> 16), mix_crc16((uint16_t)v, crc));
}

/* ---- list ---- */
typedef int (*mix_cmp)(const struct mix_node *, const struct mix_node *, int key);

MIX_CALL int mix_cmp_val(const struct mix_node *x, const struct mix_node *y, int key)
{
    return ((x->val ^ key) & 0x3ff) - ((y->val ^ key) & 0x3ff);
}

MIX_CALL int mix_cmp_idx(const struct mix_node *x, const struct mix_node *y, int key)
{
    (void)key;
    return (int)x->idx - (int)y->idx;
}

MIX_CALL struct mix_node *mix_find(struct mix_node *p, int16_t val)
{
    while (p && p->val != val)
        p = p->next;
    return p;
}

MIX_CALL struct mix_node *mix_reverse(struct mix_node *p)
{
    struct mix_node *done = 0;
    while (p) {
        struct mix_node *next = p->next;
        p->next = done;
        done = p;
        p = next;
    }
    return done;
}

/* Stable bottom-up merge sort: each pass merges neighbouring runs of
 * `width` nodes, doubling the width until one run is left. */
MIX_CALL struct mix_node *mix_sort(struct mix_node *head, mix_cmp cmp, int key)
{
    for (unsigned width = 1;; width *= 2) {
        struct mix_node *left = head, *tail = 0;
        unsigned runs = 0;
        head = 0;
        while (left) {
            struct mix_node *right = left;
            unsigned nl = 0, nr = width;
            runs++;
            while (nl < width && right) {
                nl++;
                right = right->next;
            }
            while (nl || (nr && right)) {
                struct mix_node *take;
                if (nl && (!nr || !right || cmp(left, right, key) <= 0)) {
                    take = left;
                    left = left->next;
                    nl--;
                } else {
                    take = right;
                    right = right->next;
                    nr--;
                }
                if (tail)
                    tail->next = take;
                else
                    head = take;
                tail = take;
            }
            left = right;
        }
        if (tail)
            tail->next = 0;
        if (runs <= 1)
            return head;
    }
}

/* Finds (each found node's value is changed, each find followed by a
 * reversal), a sort by a key-scrambled value with a check of the order, and
 * the sort back to index order. */
MIX_CALL uint16_t mix_list(struct mix_node **headp, uint16_t seed, uint16_t crc)
{
    struct mix_node *head = *headp;
    uint16_t found = 0, missed = 0;
    for (int k = 0; k < 12; k++) {
        int16_t want = (int16_t)((seed + 41 * k) & 0x1ff);
        struct mix_node *p = mix_find(head, want);
        if (p) {
            found++;
            crc = mix_crc16(p->idx, crc);
            p->val = (int16_t)((p->val * 5 + 3) & 0x1ff);
        } else {
            missed++;
        }
        head = mix_reverse(head);
    }
    int key = seed & 0x3ff;
    head = mix_sort(head, mix_cmp_val, key);
    uint32_t sum = 0, disorder = 0;
    int prev = -1;
    for (struct mix_node *p = head; p; p = p->next) {
        int v = (p->val ^ key) & 0x3ff;
        disorder += v < prev;
        prev = v;
        sum = sum * 33 + p->idx;
        crc = mix_crc16((uint16_t)v, crc);
    }
    head = mix_sort(head, mix_cmp_idx, 0);
    uint16_t pos = 0;
    for (struct mix_node *p = head; p; p = p->next, pos++)
        disorder += p->idx != pos;
    *headp = head;
    crc = mix_crc32(sum, crc);
    crc = mix_crc16((uint16_t)(found << 8 | missed), crc);
    return mix_crc16((uint16_t)(disorder + pos), crc);
}

/* ---- matrix ---- */
MIX_CALL void mix_mat_add(int16_t *a, int16_t k)
{
    for (int i = 0; i < MIX_N * MIX_N; i++)
        a[i] = (int16_t)(a[i] + k);
}

MIX_CALL void mix_mat_mul_const(int32_t *c, const int16_t *a, int16_t k)
{
    for (int i = 0; i < MIX_N * MIX_N; i++)
        c[i] = (int32_t)a[i] * k;
}

MIX_CALL void mix_mat_mul_vec(int32_t *c, const int16_t *a, const int16_t *v)
{
    for (int i = 0; i < MIX_N; i++) {
        int32_t s = 0;
        for (int j = 0; j < MIX_N; j++)
            s += (int32_t)a[i * MIX_N + j] * v[j];
        c[i] = s;
    }
}

MIX_CALL void mix_mat_mul(int32_t *c, const int16_t *a, const int16_t *b)
{
    for (int i = 0; i < MIX_N; i++)
        for (int j = 0; j < MIX_N; j++) {
            int32_t s = 0;
            for (int k = 0; k < MIX_N; k++)
                s += (int32_t)a[i * MIX_N + k] * b[k * MIX_N + j];
            c[i * MIX_N + j] = s;
        }
}

/* Sum of products of two bit fields of each partial product. */
MIX_CALL void mix_mat_mul_bits(int32_t *c, const int16_t *a, const int16_t *b)
{
    for (int i = 0; i < MIX_N; i++)
        for (int j = 0; j < MIX_N; j++) {
            int32_t s = 0;
            for (int k = 0; k < MIX_N; k++) {
                uint32_t t = (uint32_t)((int32_t)a[i * MIX_N + k] * b[k * MIX_N + j]);
                s += (int32_t)(((t >> 3) & 0xf) * ((t >> 7) & 0x3f));
            }
            c[i * MIX_N + j] = s;
        }
}

/* A data-dependent digest of n results: counts rises, and every time the
 * running sum passes `limit` scores 8 and starts over. */
MIX_CALL uint16_t mix_mat_digest(const int32_t *c, int n, int32_t limit)
{
    int32_t run = 0, prev = 0;
    uint16_t score = 0;
    for (int i = 0; i < n; i++) {
        run += c[i];
        if (run > limit) {
            score += 8;
            run = 0;
        } else {
            score += c[i] > prev;
        }
        prev = c[i];
    }
    return score;
}

MIX_CALL uint16_t mix_matrix(struct mix_data *d, uint16_t seed, uint16_t crc)
{
    int16_t k = (int16_t)((seed & 0x3f) - 24);
    int32_t limit = (int32_t)(seed & 0xfff) + 64;
    mix_mat_add(d->a, k);
    mix_mat_mul_const(d->c, d->a, k);
    crc = mix_crc16(mix_mat_digest(d->c, MIX_N * MIX_N, limit), crc);
    mix_mat_mul_vec(d->c, d->a, d->b + (seed >> 4 & 7) * MIX_N);
    crc = mix_crc16(mix_mat_digest(d->c, MIX_N, limit), crc);
    mix_mat_mul(d->c, d->a, d->b);
    crc = mix_crc16(mix_mat_digest(d->c, MIX_N * MIX_N, limit * 4), crc);
    mix_mat_mul_bits(d->c, d->a, d->b);
    crc = mix_crc16(mix_mat_digest(d->c, MIX_N * MIX_N, limit), crc);
    mix_mat_add(d->a, (int16_t)-k);
    return crc;
}

/* ---- state machine ---- */
static inline int mix_digit(uint8_t ch) { return ch >= '0' && ch <= '9'; }

/* Scans one token (up to a ',' or the end), counting the transitions out of
 * each state; returns the final state and advances *pp past the comma. */
MIX_CALL unsigned mix_scan_token(const uint8_t **pp, uint32_t *trans)
{
    const uint8_t *p = *pp;
    unsigned st = MIX_ST_START;
    for (; *p && *p != ','; p++) {
        uint8_t ch = *p;
        unsigned next;
        switch (st) {
        case MIX_ST_START:
            if (mix_digit(ch))
                next = MIX_ST_INT;
            else if (ch == '+' || ch == '-')
                next = MIX_ST_SIGN;
            else if (ch == '.')
                next = MIX_ST_FLOAT;
            else
                next = MIX_ST_INVALID;
            break;
        case MIX_ST_SIGN:
            if (mix_digit(ch))
                next = MIX_ST_INT;
            else if (ch == '.')
                next = MIX_ST_FLOAT;
            else
                next = MIX_ST_INVALID;
            break;
        case MIX_ST_INT:
            if (mix_digit(ch))
                next = MIX_ST_INT;
            else if (ch == '.')
                next = MIX_ST_FLOAT;
            else if (ch == 'e' || ch == 'E')
                next = MIX_ST_EXP;
            else
                next = MIX_ST_INVALID;
            break;
        case MIX_ST_FLOAT:
            if (mix_digit(ch))
                next = MIX_ST_FLOAT;
            else if (ch == 'e' || ch == 'E')
                next = MIX_ST_EXP;
            else
                next = MIX_ST_INVALID;
            break;
        case MIX_ST_EXP:
            if (mix_digit(ch))
                next = MIX_ST_SCI;
            else if (ch == '+' || ch == '-')
                next = MIX_ST_EXPSIGN;
            else
                next = MIX_ST_INVALID;
            break;
        case MIX_ST_EXPSIGN:
        case MIX_ST_SCI:
            next = mix_digit(ch) ? MIX_ST_SCI : MIX_ST_INVALID;
            break;
        default:
            next = MIX_ST_INVALID;
            break;
        }
        if (next != st) {
            trans[st]++;
            st = next;
        }
    }
    *pp = *p ? p + 1 : p;
    return st;
}

/* Adds the final state of every token of `text` to final[] and the
 * transitions out of each state to trans[]. */
MIX_CALL void mix_scan(const uint8_t *text, uint32_t *final, uint32_t *trans)
{
    const uint8_t *p = text;
    while (*p)
        final[mix_scan_token(&p, trans)]++;
}

/* Flips the case bit (0x20) of every `stride`-th non-comma byte from `first`:
 * digits and signs become control characters, 'e' becomes 'E'.  Its own
 * inverse, and it never makes a ',' or a NUL out of the text's bytes. */
MIX_CALL void mix_mutate(uint8_t *text, unsigned first, unsigned stride)
{
    for (unsigned i = first; i < MIX_TEXT; i += stride)
        if (text[i] != ',')
            text[i] ^= 0x20;
}

/* Four rounds of: scan, mutate, scan the mutated text, undo the mutation. */
MIX_CALL uint16_t mix_state(uint8_t *text, uint16_t seed, uint16_t crc)
{
    uint32_t final[MIX_STATES] = { 0 }, trans[MIX_STATES] = { 0 };
    unsigned first = seed & 7, stride = 3 + ((seed >> 3) & 7);
    for (unsigned r = 0; r < 4; r++) {
        mix_scan(text, final, trans);
        mix_mutate(text, first + r, stride + r);
        mix_scan(text, final, trans);
        mix_mutate(text, first + r, stride + r);
    }
    for (int st = 0; st < MIX_STATES; st++)
        crc = mix_crc16((uint16_t)(final[st] << 8 ^ trans[st]), crc);
    return crc;
}

/* ---- setup and the kernel ---- */
static const char *const mix_tokens[] = {
    "5012", "-3.75", "1.2e-3", "abc", "77", "+409", "0.5", "-6e7", "9.x1",
    "12e", "-.25", "3E+2", "--4", "8.8.8", "x9", "400000", ".5e+10", "+-",
};

MIX_CALL void mix_init(struct mix_data *d)
{
    uint32_t s = 0x1234567u;
    for (int i = 0; i < MIX_NODES; i++) {
        s = s * 1103515245u + 12345u;
        d->pool[i].next = i + 1 < MIX_NODES ? &d->pool[i + 1] : 0;
        d->pool[i].idx = (uint16_t)i;
        d->pool[i].val = (int16_t)((s >> 16) & 0x1ff);
    }
    for (int i = 0; i < MIX_N * MIX_N; i++) {
        s = s * 1103515245u + 12345u;
        d->a[i] = (int16_t)(((s >> 12) & 0x7f) - 64);
        d->b[i] = (int16_t)(((s >> 20) & 0x7f) - 64);
        d->c[i] = 0;
    }
    const unsigned ntok = sizeof mix_tokens / sizeof mix_tokens[0];
    unsigned pos = 0;
    for (unsigned t = 0; pos < MIX_TEXT; t += 5) {
        const char *w = mix_tokens[t % ntok];
        while (*w && pos < MIX_TEXT)
            d->text[pos++] = (uint8_t)*w++;
        if (pos < MIX_TEXT)
            d->text[pos++] = ',';
    }
    d->text[MIX_TEXT] = 0;
}

/* Runs `iters` iterations; returns the chained CRC with each phase's last
 * CRC and the iteration count folded in. */
MIX_CALL uint64_t kernel_mix(struct mix_data *d, uint64_t iters)
{
    struct mix_node *head = &d->pool[0];
    uint16_t crc = 0xFFFF, cl = 0, cm = 0, cs = 0;
    mix_init(d);
    for (uint64_t i = 0; i < iters; i++) {
        cl = mix_list(&head, (uint16_t)(crc ^ i), crc);
        cm = mix_matrix(d, (uint16_t)(cl * 3 + i), cl);
        cs = mix_state(d->text, (uint16_t)(cm >> 3 ^ i), cm);
        crc = cs;
    }
    return (uint64_t)crc << 48 ^ (uint64_t)cl << 32 ^ (uint64_t)cm << 16 ^ cs ^ iters << 20;
}

#endif
