/* Opening Embree 3 at run time: dlopen, one dlsym per function, and the per-thread record of Embree's errors. */
#include "CEmbree.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* Copies `text` into `message`, truncated and NUL-terminated. */
static void write_message(char *message, size_t capacity, const char *text) {
    if (capacity == 0) return;
    snprintf(message, capacity, "%s", text ? text : "");
}

int refract_embree_load(RefractEmbreeAPI *api, char *message, size_t capacity) {
    /* The versioned name is what the runtime package (libembree3-3) installs; the bare one only comes with -dev. */
    static const char *const names[] = {"libembree3.so.3", "libembree3.so"};
    void *library = NULL;
    char reasons[1024] = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !library; i++) {
        library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!library) {
            const char *reason = dlerror();
            size_t used = strlen(reasons);
            snprintf(reasons + used, sizeof reasons - used, "%s%s", used ? "; " : "",
                     reason ? reason : names[i]);
        }
    }
    if (!library) {
        write_message(message, capacity, reasons);
        return -1;
    }
    /* Each entry: where the pointer goes and the symbol's name. */
    struct { void **slot; const char *name; } symbols[] = {
        {(void **)&api->newDevice, "rtcNewDevice"},
        {(void **)&api->releaseDevice, "rtcReleaseDevice"},
        {(void **)&api->getDeviceError, "rtcGetDeviceError"},
        {(void **)&api->setDeviceErrorFunction, "rtcSetDeviceErrorFunction"},
        {(void **)&api->setDeviceMemoryMonitorFunction, "rtcSetDeviceMemoryMonitorFunction"},
        {(void **)&api->getDeviceProperty, "rtcGetDeviceProperty"},
        {(void **)&api->newScene, "rtcNewScene"},
        {(void **)&api->releaseScene, "rtcReleaseScene"},
        {(void **)&api->setSceneBuildQuality, "rtcSetSceneBuildQuality"},
        {(void **)&api->setSceneFlags, "rtcSetSceneFlags"},
        {(void **)&api->commitScene, "rtcCommitScene"},
        {(void **)&api->getSceneBounds, "rtcGetSceneBounds"},
        {(void **)&api->attachGeometry, "rtcAttachGeometry"},
        {(void **)&api->newGeometry, "rtcNewGeometry"},
        {(void **)&api->releaseGeometry, "rtcReleaseGeometry"},
        {(void **)&api->commitGeometry, "rtcCommitGeometry"},
        {(void **)&api->setNewGeometryBuffer, "rtcSetNewGeometryBuffer"},
        {(void **)&api->setGeometryInstancedScene, "rtcSetGeometryInstancedScene"},
        {(void **)&api->setGeometryTransform, "rtcSetGeometryTransform"},
        {(void **)&api->setGeometryIntersectFilterFunction, "rtcSetGeometryIntersectFilterFunction"},
        {(void **)&api->setGeometryOccludedFilterFunction, "rtcSetGeometryOccludedFilterFunction"},
        {(void **)&api->intersect1, "rtcIntersect1"},
        {(void **)&api->intersect4, "rtcIntersect4"},
        {(void **)&api->intersect8, "rtcIntersect8"},
        {(void **)&api->intersect16, "rtcIntersect16"},
        {(void **)&api->occluded1, "rtcOccluded1"},
        {(void **)&api->occluded4, "rtcOccluded4"},
        {(void **)&api->occluded8, "rtcOccluded8"},
        {(void **)&api->occluded16, "rtcOccluded16"},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        *symbols[i].slot = dlsym(library, symbols[i].name);
        if (!*symbols[i].slot) {
            char text[512];
            snprintf(text, sizeof text, "the Embree library has no function %s (not Embree 3?)", symbols[i].name);
            write_message(message, capacity, text);
            memset(api, 0, sizeof *api);
            /* Kept open on purpose: closing a library some other code may also have opened gains nothing. */
            return -1;
        }
    }
    return 0;
}

/* Embree reports an error on the thread whose call caused it; a scene is built on one thread, so per-thread state
   keeps two scenes built at once from mixing their messages. */
static _Thread_local enum RTCError last_error = RTC_ERROR_NONE;
static _Thread_local char last_message[512];

void refract_embree_record_error(void *userPtr, enum RTCError code, const char *message) {
    (void)userPtr;
    last_error = code;
    write_message(last_message, sizeof last_message, message);
}

enum RTCError refract_embree_take_error(char *message, size_t capacity) {
    enum RTCError code = last_error;
    write_message(message, capacity, code == RTC_ERROR_NONE ? "" : last_message);
    last_error = RTC_ERROR_NONE;
    last_message[0] = 0;
    return code;
}

/* Embree calls the monitor from its build threads: an atomic sum. */
static _Atomic long long allocated_bytes = 0;

bool refract_embree_count_memory(void *userPtr, ssize_t bytes, bool post) {
    (void)userPtr;
    (void)post;
    allocated_bytes += bytes;
    return true;
}

long long refract_embree_allocated_bytes(void) { return allocated_bytes; }

void refract_embree_init_context(struct RTCIntersectContext *context) {
    context->flags = RTC_INTERSECT_CONTEXT_FLAG_INCOHERENT;
    context->filter = NULL;
    context->instID[0] = RTC_INVALID_GEOMETRY_ID;
}
