using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace ShmGen.Native;

/// <summary>
/// Passing one file descriptor over a Unix domain socket (sendmsg/recvmsg with SCM_RIGHTS, Tmds.LibC's bindings):
/// <see cref="Socket"/> has no ancillary-data API, so these work on its handle. Each message is one data byte carrying
/// one descriptor. A socket .NET switched to non-blocking is waited on with poll, bounded by the socket's
/// SendTimeout/ReceiveTimeout (0: forever), as its own blocking calls would be.
/// </summary>
internal static unsafe class DescriptorPassing
{
    private const byte Marker = (byte)'S';

    /// <summary>Sends <paramref name="fd"/> (the receiver gets its own descriptor of the same open file description).</summary>
    /// <returns>0, or the errno of the failure.</returns>
    public static int Send(Socket socket, int fd)
    {
        var control = stackalloc byte[CMSG_SPACE(sizeof(int))];
        new Span<byte>(control, CMSG_SPACE(sizeof(int))).Clear();
        var data = Marker;
        var vector = new iovec { iov_base = &data, iov_len = 1 };
        var message = new msghdr { msg_iov = &vector, msg_iovlen = 1, msg_control = control, msg_controllen = (uint)CMSG_SPACE(sizeof(int)) };
        var header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;

        // Exactly one int: glibc's CMSG_LEN without padding the payload (a padded length would pass a second, garbage fd).
        header->cmsg_len = (uint)(sizeof(cmsghdr) + sizeof(int));
        *(int*)CMSG_DATA(header) = fd;

        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var socketFd = (int)handle.DangerousGetHandle();
            while (true)
            {
                if ((long)sendmsg(socketFd, &message, MSG_NOSIGNAL) >= 0)
                {
                    return 0;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                if (errno != Errno.EAGAIN || !Poll(socketFd, POLLOUT, socket.SendTimeout))
                {
                    return errno == Errno.EAGAIN ? Errno.ETIMEDOUT : errno;
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Receives one descriptor (O_CLOEXEC). Anything else that arrives (more descriptors, none, a truncated control
    /// message) is closed and reported: a hostile sender cannot leak descriptors into this process.
    /// </summary>
    /// <param name="socket">A connected Unix domain socket.</param>
    /// <param name="fd">The descriptor, or -1.</param>
    /// <returns>0; <see cref="Errno.ENOENT"/> when the peer closed the socket; <see cref="Errno.EBADMSG"/> when the
    /// message did not carry exactly one descriptor; or the errno of the failure.</returns>
    public static int Receive(Socket socket, out int fd)
    {
        fd = -1;

        // Room for a few descriptors, so that a sender passing more than one has them all closed here, not dropped in flight.
        const int Room = 8;
        var space = CMSG_SPACE(Room * sizeof(int));
        var control = stackalloc byte[space];
        new Span<byte>(control, space).Clear();
        byte data = 0;
        var vector = new iovec { iov_base = &data, iov_len = 1 };
        var message = new msghdr { msg_iov = &vector, msg_iovlen = 1, msg_control = control, msg_controllen = (uint)space };

        var handle = socket.SafeHandle;
        var added = false;
        long received;
        try
        {
            handle.DangerousAddRef(ref added);
            var socketFd = (int)handle.DangerousGetHandle();
            while (true)
            {
                received = (long)recvmsg(socketFd, &message, MSG_CMSG_CLOEXEC);
                if (received >= 0)
                {
                    break;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                if (errno != Errno.EAGAIN || !Poll(socketFd, POLLIN, socket.ReceiveTimeout))
                {
                    return errno == Errno.EAGAIN ? Errno.ETIMEDOUT : errno;
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        var count = 0;
        for (var header = CMSG_FIRSTHDR(&message); header != null; header = CMSG_NXTHDR(&message, header))
        {
            if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS)
            {
                continue;
            }

            var fds = (int*)CMSG_DATA(header);
            var n = ((int)header->cmsg_len - sizeof(cmsghdr)) / sizeof(int);
            for (var i = 0; i < n; i++)
            {
                if (count++ == 0)
                {
                    fd = fds[i];
                }
                else
                {
                    close(fds[i]);
                }
            }
        }

        if (count == 1 && (message.msg_flags & MSG_CTRUNC) == 0 && data == Marker)
        {
            return 0;
        }

        if (fd >= 0)
        {
            close(fd);
            fd = -1;
        }

        return received == 0 && count == 0 ? Errno.ENOENT : Errno.EBADMSG;
    }

    /// <summary>Waits until the socket is ready; false when <paramref name="timeoutMs"/> (0: forever) ran out.</summary>
    private static bool Poll(int socketFd, short events, int timeoutMs)
    {
        var entry = new pollfd { fd = socketFd, events = events };
        while (true)
        {
            var ready = poll(&entry, 1, timeoutMs <= 0 ? -1 : timeoutMs);
            if (ready > 0)
            {
                return true;
            }

            if (ready == 0 || Marshal.GetLastPInvokeError() != Errno.EINTR)
            {
                return false;
            }
        }
    }
}
