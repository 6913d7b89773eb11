using System.Net.Sockets;
using AgentFunctions.Http.Tests.Tracing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Http.Tests.Runs;

/// <summary>
/// The server with a small live event buffer (<see cref="BufferBytes"/>), so that a consumer falls behind it after a
/// few events, with its logs and spans recorded; and clients whose sockets take little at a time, so that the server
/// meets a slow reader after a few kilobytes, not after what the loopback's buffers would otherwise hold.
/// </summary>
public sealed class SlowConsumerServerFixture : ServerFixture
{
    public const int BufferBytes = 4096;

    public SpanRecorder Spans { get; } = new();

    public LogCapture Logs { get; } = new();

    /// <summary>A client whose connections have a receive buffer of 4 KB.</summary>
    public HttpClient SlowClient()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = RequestTimeout };
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Spans.Dispose();
    }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() => [new("Runs:LiveEventBufferBytes", BufferBytes.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    protected override void Configure(WebApplicationBuilder builder) => builder.Logging.AddProvider(Logs);
}
