using System.Security.Claims;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>Finds the SAMS external id of an authenticated user, for enrichment and for client events alike.</summary>
internal static class SamsExternalIdClaim
{
    private const string SubjectClaim = "sub";

    /// <summary>
    /// Returns the value of <paramref name="claimType"/>, or with the default <c>sub</c> the mapped
    /// <see cref="ClaimTypes.NameIdentifier"/>; <see langword="null"/> for an anonymous user or an empty claim.
    /// </summary>
    public static string? Find(ClaimsPrincipal? user, string claimType)
    {
        if (user is not { Identity.IsAuthenticated: true })
        {
            return null;
        }

        var claim = user.FindFirst(claimType)
            ?? (claimType == SubjectClaim ? user.FindFirst(ClaimTypes.NameIdentifier) : null);
        return string.IsNullOrEmpty(claim?.Value) ? null : claim.Value;
    }
}
