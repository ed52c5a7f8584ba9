using Microsoft.CodeAnalysis;

namespace TelemetryHosting.Generators;

/// <summary>
/// The diagnostics of <c>[TelemetryEvent]</c> methods. Ids are stable; each links to its row in docs/telemetry-events.md.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "TelemetryHosting";

    // Set by the build from PackageProjectUrl (the project file): declared first, as the descriptors below read it.
    private static readonly string HelpBase = HelpAddress();

    public static readonly DiagnosticDescriptor InvalidEventName = Error(
        "TH0001",
        "The event's feature or action breaks the Telemetry Gateway's rules",
        "{0}: the gateway would reject '{1}'");

    public static readonly DiagnosticDescriptor ParameterCannotBeMetadata = Error(
        "TH0002",
        "A parameter that is not a number cannot be metadata",
        "Parameter '{0}' of type '{1}' cannot be metadata, which holds numbers, booleans and durations only: mark it [PrivateMetadata] to record it as private metadata");

    public static readonly DiagnosticDescriptor MethodMustBePartial = Error(
        "TH0003",
        "A [TelemetryEvent] method must be a partial method declaration in a partial type",
        "Method '{0}' {1}");

    public static readonly DiagnosticDescriptor UnsupportedMethod = Error(
        "TH0004",
        "The [TelemetryEvent] method's shape is not supported",
        "Method '{0}' {1}");

    public static readonly DiagnosticDescriptor NoRecorder = Error(
        "TH0005",
        "A [TelemetryEvent] method needs a telemetry recorder",
        "Method '{0}' has no telemetry recorder: {1}");

    public static readonly DiagnosticDescriptor InvalidKey = Error(
        "TH0006",
        "A metadata key is empty or recorded twice",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidBilling = Error(
        "TH0007",
        "Billing product and category must be set together",
        "[TelemetryEvent] on method '{0}' must set both BillingProduct and BillingCategory, non-empty, or neither");

    public static readonly DiagnosticDescriptor InvalidSpecialParameter = Error(
        "TH0008",
        "An interaction id or user parameter is not valid",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidRecordName = Error(
        "TH0009",
        "A constant feature or action passed to Record breaks the Telemetry Gateway's rules",
        "{0}: Record would throw ArgumentException for '{1}'");

    public static readonly DiagnosticDescriptor NonConstantRecordName = new(
        "TH0010",
        "The feature or action passed to Record is not a compile-time constant",
        "The {0} passed to Record is not a compile-time constant, so its name is checked only when it runs: use a constant or a [TelemetryEvent] method",
        Category,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        helpLinkUri: HelpBase + "th0010");

    public static readonly DiagnosticDescriptor DuplicateEventShape = new(
        "TH0011",
        "One event declared twice with different keys and the same version",
        "Event '{0}' '{1}' version {2} is also declared by '{3}' with other keys ({4}): give one of them another version",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        helpLinkUri: HelpBase + "th0011");

    public static readonly DiagnosticDescriptor UnsupportedPrivateMetadata = Error(
        "TH0012",
        "A [PrivateMetadata] parameter's type cannot be recorded",
        "Parameter '{0}' of type '{1}' cannot be private metadata, which holds strings, numbers, booleans, Guid, DateTime, DateTimeOffset, enums, dictionaries and lists: convert it to one of those");

    public static readonly DiagnosticDescriptor LanguageVersionTooLow = Error(
        "TH0013",
        "[TelemetryEvent] methods need C# 12 or later",
        "Method '{0}' needs C# 12 or later, whose collection expressions its generated body uses, but the project compiles C# {1}: raise LangVersion to 12 or later, or record with ITelemetryRecorder.Record");

    private static string HelpAddress()
    {
        foreach (var attribute in typeof(DiagnosticDescriptors).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), inherit: false))
        {
            if (attribute is System.Reflection.AssemblyMetadataAttribute { Key: "TelemetryEventsHelp", Value: { } value })
            {
                return value;
            }
        }

        return string.Empty;
    }

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());
}
