using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Generators;

/// <summary>
/// Checks calls of <c>ITelemetryRecorder.Record</c>: constant names that the gateway would refuse are errors (TH0009);
/// names that are not constants get a suggestion (TH0010) to use constants or a <c>[TelemetryEvent]</c> method.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RecordCallAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        [DiagnosticDescriptors.InvalidRecordName, DiagnosticDescriptors.NonConstantRecordName];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        // Generated [TelemetryEvent] bodies were checked by the generator already.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var recorder = start.Compilation.GetTypeByMetadataName("TelemetryHosting.ITelemetryRecorder");
            var record = recorder?.GetMembers("Record").OfType<IMethodSymbol>().FirstOrDefault(method => method.Parameters.Length == 3);
            if (record is null)
            {
                return;
            }

            start.RegisterOperationAction(operation => AnalyzeInvocation(operation, record), OperationKind.Invocation);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, IMethodSymbol record)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!IsRecord(invocation.TargetMethod, record))
        {
            return;
        }

        var feature = invocation.Arguments.FirstOrDefault(argument => argument.Parameter?.Ordinal == 0);
        var action = invocation.Arguments.FirstOrDefault(argument => argument.Parameter?.Ordinal == 1);
        if (feature is null || action is null)
        {
            return;
        }

        var featureConstant = feature.Value.ConstantValue;
        var actionConstant = action.Value.ConstantValue;
        if (!featureConstant.HasValue || !actionConstant.HasValue)
        {
            var which = !featureConstant.HasValue && !actionConstant.HasValue ? "feature and action"
                : !featureConstant.HasValue ? "feature" : "action";
            var at = !featureConstant.HasValue ? feature : action;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NonConstantRecordName, at.Syntax.GetLocation(), which));
            return;
        }

        var featureName = featureConstant.Value as string;
        var actionName = actionConstant.Value as string;
        var error = EventNameValidator.Validate(featureName, actionName);
        if (error is null)
        {
            return;
        }

        var isFeature = string.IsNullOrEmpty(featureName)
            || error is EventNameValidator.FeatureTooLongMessage or EventNameValidator.FeaturePatternMessage;
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.InvalidRecordName,
            (isFeature ? feature : action).Syntax.GetLocation(),
            error,
            (isFeature ? featureName : actionName) ?? string.Empty));
    }

    /// <summary>The interface's Record, or a class's implementation of it (a call on a concrete recorder).</summary>
    private static bool IsRecord(IMethodSymbol target, IMethodSymbol record)
    {
        if (SymbolEqualityComparer.Default.Equals(target.OriginalDefinition, record))
        {
            return true;
        }

        return target.Name == record.Name
            && target.ContainingType is { TypeKind: TypeKind.Class or TypeKind.Struct } type
            && SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(record), target);
    }
}
