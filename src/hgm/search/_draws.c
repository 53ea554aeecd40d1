/* Thompson draws for the search policies, without numpy's per-call argument checks.
 *
 * Each function draws with numpy's own routines (random_standard_gamma and
 * random_standard_normal, whose addresses the caller looks up in numpy's library) on the
 * generator's bit generator, in the same order and with the same double arithmetic as
 * the numpy code in hgm.search.sampling and hgm.search.lineage_policy, so the choices and
 * the generator's state afterwards are bit-identical. Build with -ffp-contract=off: a
 * fused multiply-add would round differently from numpy's separate operations.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

typedef double (*gamma_routine)(void *bitgen, double shape);
typedef double (*normal_routine)(void *bitgen);

/* A non-empty 1-D float64 buffer of `size` entries (any stride; size -1: any); 0 and an
 * exception if not. */
static int get_vector(PyObject *object, Py_buffer *view, Py_ssize_t size, const char *name) {
    if (PyObject_GetBuffer(object, view, PyBUF_STRIDED_RO | PyBUF_FORMAT) < 0) {
        return 0;
    }
    if (view->ndim != 1 || view->itemsize != sizeof(double) || view->format == NULL ||
        strcmp(view->format, "d") != 0 || view->shape[0] == 0 ||
        (size >= 0 && view->shape[0] != size)) {
        PyErr_Format(PyExc_ValueError, "%s must be a non-empty 1-D float64 array%s", name,
                     size >= 0 ? ", as long as a" : "");
        PyBuffer_Release(view);
        return 0;
    }
    return 1;
}

static inline double entry(const Py_buffer *view, Py_ssize_t i) {
    return *(const double *)((const char *)view->buf + i * view->strides[0]);
}

/* One call's arguments: (capsule, routine, a, b, tau[, exclude]). */
typedef struct {
    void *bitgen;
    unsigned long long routine;
    Py_buffer a, b;
    double tau;
    Py_ssize_t exclude;
} Draw;

/* Parse and check a call's arguments; 0 and an exception if anything is wrong (then
 * nothing is held). `close_draw` releases what it holds. */
static int open_draw(PyObject *args, Draw *draw) {
    PyObject *capsule, *a_object, *b_object;
    draw->exclude = -1;
    if (!PyArg_ParseTuple(args, "OKOOd|n", &capsule, &draw->routine, &a_object, &b_object,
                          &draw->tau, &draw->exclude)) {
        return 0;
    }
    draw->bitgen = PyCapsule_GetPointer(capsule, "BitGenerator");
    if (draw->bitgen == NULL || !get_vector(a_object, &draw->a, -1, "a")) {
        return 0;
    }
    if (!get_vector(b_object, &draw->b, draw->a.shape[0], "b")) {
        PyBuffer_Release(&draw->a);
        return 0;
    }
    return 1;
}

static void close_draw(Draw *draw) {
    PyBuffer_Release(&draw->a);
    PyBuffer_Release(&draw->b);
}

/* Ga / (Ga + Gb), Ga ~ Gamma(a[i] tau) drawn before Gb ~ Gamma(b[i] tau). */
static double gamma_theta(const Draw *draw, Py_ssize_t i) {
    gamma_routine gamma = (gamma_routine)(uintptr_t)draw->routine;
    double first = gamma(draw->bitgen, entry(&draw->a, i) * draw->tau);
    return first / (first + gamma(draw->bitgen, entry(&draw->b, i) * draw->tau));
}

/* m + sqrt(m (1 - m) / (t + 1)) z, t = a[i] tau + b[i] tau, m = a[i] tau / t, z ~ N(0, 1):
 * numpy's operations in numpy's order (hgm.search.lineage_policy.beta_draws). */
static double normal_theta(const Draw *draw, Py_ssize_t i) {
    double z = ((normal_routine)(uintptr_t)draw->routine)(draw->bitgen);
    double shape_a = entry(&draw->a, i) * draw->tau;
    double total = shape_a + entry(&draw->b, i) * draw->tau;
    double mean = shape_a / total;
    double sd = sqrt(mean * (1.0 - mean) / (total + 1.0));
    return mean + sd * z;
}

/* The first i != exclude maximising theta(i), drawn for every i in order (`exclude`
 * too, so that the generator moves as numpy's array draw would). */
static PyObject *argmax(PyObject *args, double (*theta)(const Draw *, Py_ssize_t)) {
    Draw draw;
    if (!open_draw(args, &draw)) {
        return NULL;
    }
    Py_ssize_t best = -1;
    double best_theta = 0.0;
    for (Py_ssize_t i = 0; i < draw.a.shape[0]; i++) {
        double value = theta(&draw, i);
        if (i != draw.exclude && (best < 0 || value > best_theta)) {
            best = i;
            best_theta = value;
        }
    }
    close_draw(&draw);
    return PyLong_FromSsize_t(best);
}

static PyObject *gamma_argmax(PyObject *module, PyObject *args) {
    return argmax(args, gamma_theta);
}

static PyObject *normal_argmax(PyObject *module, PyObject *args) {
    return argmax(args, normal_theta);
}

static PyMethodDef methods[] = {
    {"gamma_argmax", gamma_argmax, METH_VARARGS,
     "gamma_argmax(capsule, gamma, a, b, tau[, exclude]): the first i != exclude maximising "
     "Ga / (Ga + Gb)."},
    {"normal_argmax", normal_argmax, METH_VARARGS,
     "normal_argmax(capsule, normal, a, b, tau[, exclude]): the first i != exclude maximising "
     "the normal match of Beta(a[i] tau, b[i] tau)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_draws",
    "Thompson draws with numpy's routines, without numpy's per-call checks.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__draws(void) { return PyModule_Create(&module); }
