using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>The browser exporter's script (src/js/telemetryhosting-exporter/exporter.js, embedded), with its validator.</summary>
internal static class ExporterScript
{
    private const string ResourceName = "TelemetryHosting.AspNetCore.exporter.js";
    private static readonly Lazy<(byte[] Content, EntityTagHeaderValue ETag)> Script = new(Load);

    public static Task WriteAsync(HttpContext context)
    {
        var (content, etag) = Script.Value;
        var response = context.Response;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "public, max-age=3600";
        response.Headers.ETag = etag.ToString();

        // If-None-Match compares weakly (RFC 9110 13.1.2): a proxy may have weakened the tag.
        var ifNoneMatch = context.Request.GetTypedHeaders().IfNoneMatch;
        if (ifNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: false)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = "text/javascript; charset=utf-8";
        response.ContentLength = content.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(content, context.RequestAborted).AsTask();
    }

    private static (byte[] Content, EntityTagHeaderValue ETag) Load()
    {
        using var stream = typeof(ExporterScript).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The resource {ResourceName} is missing from the assembly.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var content = buffer.ToArray();
        return (content, new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 16)) + "\""));
    }
}
