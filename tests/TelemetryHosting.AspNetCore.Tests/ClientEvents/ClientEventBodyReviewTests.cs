using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using TelemetryHosting.AspNetCore.Tests.TestSupport;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>Found by review of the System.Text.Json parser: bodies whose reading or decompression failed with a 500, a client gone mid-body.</summary>
public sealed class ClientEventBodyReviewTests
{
    // Brotli's decoder throws InvalidOperationException ("Decoder ran into invalid data."), not InvalidDataException.
    [Fact]
    public async Task Post_BrotliBodyThatDoesNotDecompress_Returns400()
    {
        await using var app = await ClientEventsApp.StartAsync(decompressRequests: true);

        using var response = await PostEncodedAsync(app, "br", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(app.Recorder.Events);
    }

    [Fact]
    public async Task Post_TruncatedBrotliBody_Returns400()
    {
        await using var app = await ClientEventsApp.StartAsync(decompressRequests: true);
        var compressed = Compress(ClientEventEndpointTests.Batch(20), stream => new BrotliStream(stream, CompressionLevel.Optimal, leaveOpen: true));

        using var response = await PostEncodedAsync(app, "br", compressed[..(compressed.Length / 2)]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(app.Recorder.Events);
    }

    // The host's body size limit (Kestrel's MaxRequestBodySize, here set per request) applies to the decompressed bytes
    // through RequestDecompression's SizeLimitedStream; the endpoint must answer 413 (or 400), not 500.
    [Fact]
    public async Task Post_GzipBodyOverHostLimitOnceDecompressed_Returns4xx()
    {
        await using var app = await ClientEventsApp.StartAsync(
            options => options.MaxBodyBytes = 64 * 1024,
            decompressRequests: true,
            beforeDecompression: web => web.Use((context, next) =>
            {
                context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = 2048;
                return next(context);
            }));
        var compressed = Compress(ClientEventEndpointTests.Batch(100), stream => new GZipStream(stream, CompressionLevel.SmallestSize, leaveOpen: true));
        Assert.True(compressed.Length < 2048, $"compressed {compressed.Length} bytes");

        using var response = await PostEncodedAsync(app, "gzip", compressed);

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.Empty(app.Recorder.Events);
    }

    // A client that resets the connection mid-body: reading throws an IOException (ConnectionResetException) or an
    // OperationCanceledException; the endpoint must refuse the request itself rather than let the exception escape
    // (an unhandled-exception error log and a 500 in the server's metrics).
    [Fact]
    public async Task Post_ClientResetsConnectionMidBody_NoExceptionEscapesTheEndpoint()
    {
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ClientEventsApp.StartAsync(beforeDecompression: web => web.Use(async (context, next) =>
        {
            context.Request.Body = new FirstReadSignal(context.Request.Body, reading);
            try
            {
                await next(context);
                done.TrySetResult(null);
            }
            catch (Exception exception)
            {
                done.TrySetResult(exception);
                throw;
            }
        }));
        var uri = app.Client.BaseAddress!;

        using (var socket = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(uri.Host, uri.Port);
            var head = $"POST {ClientEventsApp.Path} HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: application/json\r\n" +
                $"{TestUserAuthenticationHandler.Header}: sams-user-1\r\nContent-Length: 100000\r\n\r\n{{\"events\": [";
            await socket.SendAsync(Encoding.ASCII.GetBytes(head));

            // The reset comes once the endpoint reads the body (earlier, it would meet a step before the body read).
            await reading.Task.WaitAsync(TimeSpan.FromSeconds(10));
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }

        var escaped = await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(escaped is null, $"the endpoint threw {escaped}");
        Assert.Empty(app.Recorder.Events);
    }

    private static byte[] Compress(string json, Func<Stream, Stream> compressor)
    {
        using var compressed = new MemoryStream();
        using (var stream = compressor(compressed))
        {
            stream.Write(Encoding.UTF8.GetBytes(json));
        }

        return compressed.ToArray();
    }

    private static async Task<HttpResponseMessage> PostEncodedAsync(ClientEventsApp app, string encoding, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ClientEventsApp.Path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content.Headers.ContentEncoding.Add(encoding);
        request.Headers.Add(TestUserAuthenticationHandler.Header, "sams-user-1");
        return await app.Client.SendAsync(request);
    }

    /// <summary>The request body, signalling when the endpoint first reads it.</summary>
    private sealed class FirstReadSignal(Stream inner, TaskCompletionSource reading) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            reading.TrySetResult();
            return inner.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
