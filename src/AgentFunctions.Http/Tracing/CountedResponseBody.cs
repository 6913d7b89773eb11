using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AgentFunctions.Http.Tracing;

/// <summary>
/// The response body of one traced invocation, counted: it stands in for the server's
/// <see cref="IHttpResponseBodyFeature"/> and passes every call through to it, adding up the bytes written through its
/// stream and its pipe writer (a file sent counts its length), so that the invocation's span can say how many bytes
/// of body it had sent when it ended (<c>http.response.body.size</c>). Nothing is copied or buffered here.
/// </summary>
internal sealed class CountedResponseBody : IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private long _bytes;
    private CountedStream? _stream;
    private CountedPipeWriter? _writer;

    private CountedResponseBody(IHttpResponseBodyFeature inner) => _inner = inner;

    /// <summary>The bytes of body written so far (before any transfer encoding).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    public Stream Stream => _stream ??= new CountedStream(this, _inner.Stream);

    public PipeWriter Writer => _writer ??= new CountedPipeWriter(this, _inner.Writer);

    /// <summary>Counts the response's body from now on; null when the request has no body feature to count.</summary>
    public static CountedResponseBody? Install(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<IHttpResponseBodyFeature>() is not { } inner)
        {
            return null;
        }

        var counted = new CountedResponseBody(inner);
        context.Features.Set<IHttpResponseBodyFeature>(counted);
        return counted;
    }

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await _inner.SendFileAsync(path, offset, count, cancellationToken).ConfigureAwait(false);
        Add(count ?? (new FileInfo(path).Length - offset));
    }

    public Task CompleteAsync() => _inner.CompleteAsync();

    private void Add(long bytes) => Interlocked.Add(ref _bytes, bytes);

    /// <summary>The server's body stream, counting what is written through it.</summary>
    private sealed class CountedStream(CountedResponseBody owner, Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            owner.Add(count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            owner.Add(buffer.Length);
        }

        public override void WriteByte(byte value)
        {
            inner.WriteByte(value);
            owner.Add(1);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            owner.Add(buffer.Length);
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>The server's body pipe, counting what is advanced past (and written) through it.</summary>
    private sealed class CountedPipeWriter(CountedResponseBody owner, PipeWriter inner) : PipeWriter
    {
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            inner.Advance(bytes);
            owner.Add(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override async ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            var result = await inner.WriteAsync(source, cancellationToken).ConfigureAwait(false);
            owner.Add(source.Length);
            return result;
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    }
}
