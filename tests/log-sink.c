/* log-sink: a private /dev/log for the tests.
 *
 *   log-sink SOCKET FILE
 *
 * Binds a unix datagram socket at SOCKET, says "ready" on stdout, and
 * appends every datagram it receives to FILE as one line, until SIGTERM or
 * 10 minutes.  The programs under test send there when
 * DIRTYTRACK_LOG_SOCKET names SOCKET (plugin/model/dt-log.c), so a test reads
 * exactly what a log daemon would get and the machine's log is untouched.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char buf[65536];
    FILE *out;
    int fd;

    if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "usage: log-sink SOCKET FILE\n");
        return 2;
    }
    strcpy(sa.sun_path, argv[1]);
    unlink(argv[1]);
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        perror("log-sink");
        return 1;
    }
    out = fopen(argv[2], "a");
    if (!out) {
        perror(argv[2]);
        return 1;
    }
    alarm(600);
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

        if (n < 0)
            continue;
        buf[n] = '\0';
        /* one datagram, one line */
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] == '\n')
                buf[i] = ' ';
        fprintf(out, "%s\n", buf);
        fflush(out);
    }
}
