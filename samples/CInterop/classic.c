/* The classic shared-memory child, in C: attach to the segment the C# parent created, take the lock, write
 * 0xdbeebee. The struct comes from the header ShmGen generated (SampleSegment.CHeader), whose _Static_asserts make the
 * compiler prove that C and C# agree on every offset. Usage: classic NAME */
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sample.h"

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: classic NAME\n"); return 2; }
    char shm_name[300], sem_name[300];
    snprintf(shm_name, sizeof shm_name, "/%s", argv[1]);
    snprintf(sem_name, sizeof sem_name, "/%s.lock", argv[1]);

    int fd = shm_open(shm_name, O_RDWR, 0);
    if (fd < 0) { perror("shm_open"); return 1; }
    Sample *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (shared == MAP_FAILED) { perror("mmap"); return 1; }
    sem_t *lock = sem_open(sem_name, O_CREAT, 0600, 1);
    if (lock == SEM_FAILED) { perror("sem_open"); return 1; }

    sem_wait(lock);
    shared->Value = 0xdbeebee;
    sem_post(lock);

    sem_close(lock);
    munmap(shared, sizeof *shared);
    return 0;
}
