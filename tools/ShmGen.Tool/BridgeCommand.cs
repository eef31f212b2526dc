using System;
using System.CommandLine;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.Core;
using ShmGen.Nats;

namespace ShmGen.Tool;

/// <summary>
/// <c>shmgen bridge queue|topic NAME</c>: runs a ShmGen.Nats bridge for an operator. The tool is compiled without the
/// application's structs, so it moves raw item bytes: it opens the queue or topic by name and takes item size,
/// alignment, capacity, fingerprint and field description from its own header (<see cref="QueueSegmentEndpoint"/>,
/// <see cref="TopicSegmentEndpoint"/>), and the messages carry that fingerprint and description, so a receiver built
/// from another layout still refuses them field by field.
/// </summary>
internal static class BridgeCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var bridge = new Command("bridge", "Move items of a local queue or topic to NATS, or from NATS into one on this host, until Ctrl+C or SIGTERM.");
        bridge.Subcommands.Add(Queue(output, error));
        bridge.Subcommands.Add(Topic(output, error));
        return bridge;
    }

    private static Command Queue(TextWriter output, TextWriter error)
    {
        var connection = new ConnectionOptions();
        var name = NameArgument();
        var stream = new Option<string>("--stream") { Description = "The JetStream stream (a file-backed work-queue stream, created if missing).", Required = true };
        var subject = new Option<string?>("--subject") { Description = "The subject the stream captures (default: the stream's name)." };
        var consumer = new Option<string>("--consumer") { Description = "The durable consumer of the receiving side: one per destination queue.", DefaultValueFactory = _ => "shmgen-bridge" };
        var fromNats = FromNatsOption("stream");
        var command = new Command("queue", "Bridge a [SharedQueue] through a JetStream work-queue stream: an item is acknowledged only once it is in the destination queue.")
        {
            name, stream, subject, consumer, fromNats,
        };
        connection.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(output, error, result.GetValue(name)!, "queue", QueueSegmentEndpoint.Open, result.GetValue(fromNats), connection.Read(result), cancellationToken, (nats, queue, stop) =>
        {
            var options = new QueueBridgeOptions
            {
                Stream = result.GetValue(stream)!,
                Subject = result.GetValue(subject),
                Consumer = result.GetValue(consumer)!,
                Rejected = e => error.WriteLine($"rejected: {e.Message}"),
            };
            var direction = result.GetValue(fromNats) ? $"stream '{options.Stream}' -> queue '/{queue.Name}'" : $"queue '/{queue.Name}' -> stream '{options.Stream}'";
            return (direction, result.GetValue(fromNats)
                ? QueueBridge.DeliverFromStreamAsync(nats, queue, options, stop)
                : QueueBridge.ForwardToStreamAsync(nats, queue, options, stop));
        }));
        return command;
    }

    private static Command Topic(TextWriter output, TextWriter error)
    {
        var connection = new ConnectionOptions();
        var name = NameArgument();
        var subject = new Option<string>("--subject") { Description = "The NATS subject.", Required = true };
        var fromNats = FromNatsOption("subject");
        var command = new Command("topic", "Bridge a [SharedTopic] to or from a core NATS subject (publish/subscribe: items sent while nobody listens are gone). NAME may also be a [SharedQueue].")
        {
            name, subject, fromNats,
        };
        connection.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(output, error, result.GetValue(name)!, "topic", OpenTopicOrQueue, result.GetValue(fromNats), connection.Read(result), cancellationToken, (nats, queue, stop) =>
        {
            var options = new TopicBridgeOptions { Subject = result.GetValue(subject)!, Rejected = e => error.WriteLine($"rejected: {e.Message}") };
            var direction = result.GetValue(fromNats) ? $"subject '{options.Subject}' -> '/{queue.Name}'" : $"'/{queue.Name}' -> subject '{options.Subject}'";
            return (direction, result.GetValue(fromNats)
                ? TopicBridge.DeliverFromSubjectAsync(nats, queue, options, stop)
                : TopicBridge.PublishToSubjectAsync(nats, queue, options, stop));
        }));
        return command;
    }

    // A topic, or (as before topics existed) a queue moved with publish/subscribe semantics.
    private static SegmentEndpoint OpenTopicOrQueue(string name) =>
        ShmGen.Inspection.SegmentInspector.Inspect(name).Kind == ShmGen.Inspection.SegmentKind.Queue ? QueueSegmentEndpoint.Open(name) : TopicSegmentEndpoint.Open(name);

    private static async Task<int> RunAsync(
        TextWriter output,
        TextWriter error,
        string name,
        string kind,
        Func<string, SegmentEndpoint> open,
        bool fromNats,
        NatsOpts opts,
        CancellationToken interrupted,
        Func<NatsConnection, SegmentEndpoint, CancellationToken, (string Direction, Task Run)> start)
    {
        // Ctrl+C arrives through System.CommandLine; SIGTERM (how systemd and docker stop a service) must stop the bridge
        // the same way, so that a sending bridge waits for the acknowledgements of the items it already took.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(interrupted);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        SegmentEndpoint queue;
        try
        {
            queue = open(name.TrimStart('/'));
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or ArgumentException)
        {
            error.WriteLine($"shmgen bridge: {e.Message}{(fromNats ? $" The destination {kind} must exist: start the application that creates it first." : "")}");
            return ShmGenCommand.Failure;
        }

        using (queue)
        {
            await using var nats = new NatsConnection(opts);
            try
            {
                await nats.ConnectAsync().ConfigureAwait(false);
            }
            catch (NatsException e)
            {
                error.WriteLine($"shmgen bridge: cannot connect to {Redacted(opts.Url)}: {e.Message}");
                return ShmGenCommand.Failure;
            }

            var (direction, run) = start(nats, queue, stop.Token);
            output.WriteLine(
                $"bridging {direction} on {Redacted(opts.Url)}: {queue.Layout.TypeName}, {queue.Layout.ItemSize}-byte items, fingerprint 0x{queue.Layout.Fingerprint:X16}. Ctrl+C stops.");
            try
            {
                await run.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            output.WriteLine("stopped");
            return ShmGenCommand.Success;
        }
    }

    // Never print credentials: a URL may carry user:password.
    private static string Redacted(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0 ? url.Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal) : url;

    private static Argument<string> NameArgument() => new("name") { Description = "The local queue's or topic's name, without the leading '/'." };

    private static Option<bool> FromNatsOption(string what) =>
        new("--from-nats") { Description = $"Move items from the {what} into the local ring (default: from the local ring to the {what})." };

    /// <summary>The usual NATS connection settings. Secrets never go on the command line: NATS_USER/NATS_PASSWORD and
    /// NATS_TOKEN come from the environment, NKeys/JWT from a credentials file.</summary>
    private sealed class ConnectionOptions
    {
        private readonly Option<string> _url = new("--nats") { Description = "The NATS server URL, e.g. nats://nats.example:4222 or tls://...", Required = true };
        private readonly Option<FileInfo?> _creds = new("--creds") { Description = "A NATS credentials file (JWT + NKey seed)." };
        private readonly Option<FileInfo?> _tlsCa = new("--tls-ca") { Description = "CA certificate(s) to verify the server with (PEM)." };
        private readonly Option<FileInfo?> _tlsCert = new("--tls-cert") { Description = "Client certificate for mutual TLS (PEM)." };
        private readonly Option<FileInfo?> _tlsKey = new("--tls-key") { Description = "Client key for mutual TLS (PEM)." };

        public void AddTo(Command command)
        {
            command.Options.Add(_url);
            command.Options.Add(_creds);
            command.Options.Add(_tlsCa);
            command.Options.Add(_tlsCert);
            command.Options.Add(_tlsKey);
        }

        public NatsOpts Read(ParseResult result)
        {
            var tls = NatsTlsOpts.Default;
            if (result.GetValue(_tlsCa) is { } ca)
            {
                tls = tls with { CaFile = ca.FullName };
            }

            if (result.GetValue(_tlsCert) is { } cert)
            {
                tls = tls with { CertFile = cert.FullName, KeyFile = result.GetValue(_tlsKey)?.FullName };
            }

            var auth = NatsAuthOpts.Default with
            {
                CredsFile = result.GetValue(_creds)?.FullName,
                Username = Environment.GetEnvironmentVariable("NATS_USER"),
                Password = Environment.GetEnvironmentVariable("NATS_PASSWORD"),
                Token = Environment.GetEnvironmentVariable("NATS_TOKEN"),
            };

            return NatsOpts.Default with
            {
                Url = result.GetValue(_url)!,
                TlsOpts = tls,
                AuthOpts = auth,
                Name = "shmgen-bridge",
                MaxReconnectRetry = -1,

                // A receiving bridge waits for the local queue rather than dropping items when it is briefly slower.
                SubPendingChannelFullMode = System.Threading.Channels.BoundedChannelFullMode.Wait,
            };
        }
    }
}
