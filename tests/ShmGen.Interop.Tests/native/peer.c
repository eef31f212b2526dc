/* The C side of the interop tests: the classic shm_open/mmap/sem_open program, using the header ShmGen generated
 * (reading.h, written from ReadingSegment.CHeader by the test). Verbs:
 *   peer open NAME    attach, lock, print the fields, Count += 1, Temperature = 21.5, unlock
 *   peer create NAME  create (O_CREAT|O_EXCL, 0600), lock, write known values, unlock, exit without unlinking
 *   peer hold NAME    attach, lock, print "locked", keep the lock until stdin closes, unlock
 *   peer count NAME N attach, then N times: lock, Count += 1 (a plain read-modify-write), unlock; prints "counted"
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reading.h"

static void fail(const char *what) { perror(what); exit(2); }

int main(int argc, char **argv)
{
    if (argc != 3 && !(argc == 4 && strcmp(argv[1], "count") == 0)) { fprintf(stderr, "usage: peer open|create|hold NAME, or peer count NAME N\n"); return 2; }
    const char *verb = argv[1];
    char shm_name[300], sem_name[300];
    snprintf(shm_name, sizeof shm_name, "/%s", argv[2]);
    snprintf(sem_name, sizeof sem_name, "/%s.lock", argv[2]);

    int creating = strcmp(verb, "create") == 0;
    int fd = shm_open(shm_name, creating ? O_RDWR | O_CREAT | O_EXCL : O_RDWR, 0600);
    if (fd < 0) fail("shm_open");
    if (creating && ftruncate(fd, sizeof(Reading)) != 0) fail("ftruncate");
    Reading *r = mmap(NULL, sizeof(Reading), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (r == MAP_FAILED) fail("mmap");
    close(fd);
    sem_t *lock = sem_open(sem_name, O_CREAT, 0600, 1);
    if (lock == SEM_FAILED) fail("sem_open");

    if (argc == 4) {
        long rounds = atol(argv[3]);
        for (long i = 0; i < rounds; i++) {
            if (sem_wait(lock) != 0) fail("sem_wait");
            volatile int *count = &r->Count;
            int seen = *count;
            *count = seen + 1;
            if (sem_post(lock) != 0) fail("sem_post");
        }
        printf("counted\n");
        sem_close(lock);
        munmap(r, sizeof(Reading));
        return 0;
    }

    if (sem_wait(lock) != 0) fail("sem_wait");
    if (creating) {
        r->Value = 0xdbeebeeULL;
        r->Count = 7;
        r->Temperature = -40.0;
        memcpy(r->Label, "from C", 7);
        r->Flag = 1;
    } else if (strcmp(verb, "open") == 0) {
        printf("Value=%llx Count=%d Temperature=%.2f Label=%s Flag=%d\n",
               (unsigned long long)r->Value, r->Count, r->Temperature, (const char *)r->Label, r->Flag);
        r->Count += 1;
        r->Temperature = 21.5;
    } else {
        printf("locked\n");
        fflush(stdout);
        char buffer[16];
        while (fread(buffer, 1, sizeof buffer, stdin) > 0) { }
    }
    if (sem_post(lock) != 0) fail("sem_post");

    sem_close(lock);
    munmap(r, sizeof(Reading));
    return 0;
}
