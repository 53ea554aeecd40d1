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
        PyErr_Format(PyExc_ValueError,
                     "%s must be a non-empty 1-D float64 array, as long as a", name);
        PyBuffer_Release(view);
        return 0;
    }
    return 1;
}

static inline double entry(const Py_buffer *view, Py_ssize_t i) {
    return *(const double *)((const char *)view->buf + i * view->strides[0]);
}

static void *bit_generator(PyObject *capsule) {
    return PyCapsule_GetPointer(capsule, "BitGenerator");
}

/* gamma_argmax(capsule, gamma, a, b, tau) -> the first i maximising Ga / (Ga + Gb),
 * Ga ~ Gamma(a[i] * tau) drawn before Gb ~ Gamma(b[i] * tau), i = 0, 1, ... */
static PyObject *gamma_argmax(PyObject *module, PyObject *args) {
    PyObject *capsule, *a_object, *b_object;
    unsigned long long address;
    double tau;
    if (!PyArg_ParseTuple(args, "OKOOd", &capsule, &address, &a_object, &b_object, &tau)) {
        return NULL;
    }
    void *bitgen = bit_generator(capsule);
    if (bitgen == NULL) {
        return NULL;
    }
    Py_buffer a, b;
    if (!get_vector(a_object, &a, -1, "a")) {
        return NULL;
    }
    if (!get_vector(b_object, &b, a.shape[0], "b")) {
        PyBuffer_Release(&a);
        return NULL;
    }
    gamma_routine gamma = (gamma_routine)(uintptr_t)address;
    Py_ssize_t best = 0;
    double best_theta = 0.0;
    for (Py_ssize_t i = 0; i < a.shape[0]; i++) {
        double first = gamma(bitgen, entry(&a, i) * tau);
        double theta = first / (first + gamma(bitgen, entry(&b, i) * tau));
        if (i == 0 || theta > best_theta) {
            best = i;
            best_theta = theta;
        }
    }
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return PyLong_FromSsize_t(best);
}

/* normal_argmax(capsule, normal, a, b, tau, exclude) -> the first i != exclude maximising
 * m + sqrt(m (1 - m) / (t + 1)) z, t = a[i] tau + b[i] tau, m = a[i] tau / t, z ~ N(0, 1)
 * drawn for every i in order (`exclude` too; -1 excludes none). */
static PyObject *normal_argmax(PyObject *module, PyObject *args) {
    PyObject *capsule, *a_object, *b_object;
    unsigned long long address;
    double tau;
    Py_ssize_t exclude;
    if (!PyArg_ParseTuple(args, "OKOOdn", &capsule, &address, &a_object, &b_object, &tau,
                          &exclude)) {
        return NULL;
    }
    void *bitgen = bit_generator(capsule);
    if (bitgen == NULL) {
        return NULL;
    }
    Py_buffer a, b;
    if (!get_vector(a_object, &a, -1, "a")) {
        return NULL;
    }
    if (!get_vector(b_object, &b, a.shape[0], "b")) {
        PyBuffer_Release(&a);
        return NULL;
    }
    normal_routine normal = (normal_routine)(uintptr_t)address;
    Py_ssize_t best = -1;
    double best_theta = 0.0;
    for (Py_ssize_t i = 0; i < a.shape[0]; i++) {
        double z = normal(bitgen);
        if (i == exclude) {
            continue;
        }
        double shape_a = entry(&a, i) * tau;
        double total = shape_a + entry(&b, i) * tau;
        double mean = shape_a / total;
        double sd = sqrt(mean * (1.0 - mean) / (total + 1.0));
        double theta = mean + sd * z;
        if (best < 0 || theta > best_theta) {
            best = i;
            best_theta = theta;
        }
    }
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return PyLong_FromSsize_t(best);
}

static PyMethodDef methods[] = {
    {"gamma_argmax", gamma_argmax, METH_VARARGS,
     "gamma_argmax(capsule, gamma, a, b, tau): the first i maximising Ga / (Ga + Gb)."},
    {"normal_argmax", normal_argmax, METH_VARARGS,
     "normal_argmax(capsule, normal, a, b, tau, exclude): the first i != exclude maximising "
     "the normal match of Beta(a[i] tau, b[i] tau)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_draws",
    "Thompson draws with numpy's routines, without numpy's per-call checks.", -1, methods,
};

PyMODINIT_FUNC PyInit__draws(void) { return PyModule_Create(&module); }
