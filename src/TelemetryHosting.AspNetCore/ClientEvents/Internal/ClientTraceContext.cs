using System.Diagnostics;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>Tells whether the trace of the current request was started by this service or continued from its caller.</summary>
internal static class ClientTraceContext
{
    /// <summary>
    /// Returns <see langword="true"/> when <paramref name="activity"/>'s trace came from outside the process: its
    /// outermost local ancestor (the request's Activity, under any the application started) has a remote parent,
    /// which ASP.NET Core takes from the caller's <c>traceparent</c> header.
    /// </summary>
    public static bool IsContinuedFromCaller(Activity? activity)
    {
        if (activity is null)
        {
            return false;
        }

        var root = activity;
        while (root.Parent is { } parent)
        {
            root = parent;
        }

        // A parent id without a parent object is one read from outside: the W3C or hierarchical id of the caller's span.
        return root.HasRemoteParent || root.ParentId is not null;
    }
}
