using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace TradingBot.Architecture.Tests.TypeRules;

/// <summary>
/// Every use of a type by an assembly's types, read from the compiled assembly with Mono.Cecil: type headers (base type,
/// interfaces, attributes and their arguments, generic constraints), fields, properties, events, method signatures,
/// locals, catch clauses, and every instruction's operand, with the whole signature of each called method and accessed
/// field and their generic arguments; floating-point IL (constants, conversions, loads and stores) counts as a use of
/// <see cref="float"/> or <see cref="double"/>. A compiler-generated nested type (a lambda's closure, an async or iterator
/// state machine) and a compiler-generated method (a lambda, a local function) count as the type and member they came from.
/// </summary>
/// <remarks>
/// NetArchTest.eNhancedEdition 1.4.5 walks the same Cecil model but checks only the declaring type of a called method or
/// an accessed field, not its parameter, return or field type, and never reads catch clauses or IL constants; so
/// <c>(long)elapsed.TotalSeconds</c> (a double seen only in TimeSpan's signature) or a bare <c>catch (HttpRequestException)</c>
/// would pass it (tried on the types in Violations/). Its rules also name the failing type only, where these name the member
/// and what it used.
/// </remarks>
public static class TypeUsages
{
    private static readonly ConcurrentDictionary<string, IReadOnlyList<TypeUsage>> Scanned = new(StringComparer.Ordinal);

    /// <summary>Every type use in the assembly at <paramref name="assemblyPath"/> (read once, then remembered).</summary>
    public static IReadOnlyList<TypeUsage> In(string assemblyPath) => Scanned.GetOrAdd(Path.GetFullPath(assemblyPath), Read);

    private static List<TypeUsage> Read(string assemblyPath)
    {
        // Attribute arguments of an enum type are decoded by resolving the enum: look beside the assembly, then in the runtime.
        using var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(assemblyPath)!);
        resolver.AddSearchDirectory(RuntimeEnvironment.GetRuntimeDirectory());
        using var assembly = AssemblyDefinition.ReadAssembly(assemblyPath, new ReaderParameters { AssemblyResolver = resolver });
        var usages = new List<TypeUsage>();
        foreach (var type in assembly.Modules.SelectMany(m => m.Types))
        {
            new Scan(usages, OwnerName(type), string.Empty).Type(type);
        }

        return usages;
    }

    private static string OwnerName(TypeDefinition type) => type.FullName.Replace('/', '+');

    private static bool IsCompilerGenerated(ICustomAttributeProvider member, string name) =>
        name.StartsWith('<') || member.CustomAttributes.Any(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.CompilerGeneratedAttribute");

    // The source member a generated name stands for: "<Run>d__4" and "<Run>b__4_0" are Run's; "<>c" names none.
    private static string? SourceMember(string name)
    {
        if (!name.StartsWith('<'))
        {
            return null;
        }

        var depth = 0;
        for (var i = 0; i < name.Length; i++)
        {
            depth += name[i] switch { '<' => 1, '>' => -1, _ => 0 };
            if (depth == 0)
            {
                // "<<Run>b__4_0>d", an async lambda's state machine, is the lambda's, so Run's.
                return i <= 1 ? null : SourceMember(name[1..i]) ?? name[1..i];
            }
        }

        return null;
    }

    // The uses found in one type, recorded against its owner: the type itself, or the user type a generated one belongs to.
    private sealed class Scan(List<TypeUsage> usages, string owner, string generatedFrom)
    {
        public void Type(TypeDefinition type)
        {
            var header = generatedFrom;
            Walk(type.BaseType, header, "base type");
            foreach (var implemented in type.Interfaces)
            {
                Walk(implemented.InterfaceType, header, "interface");
            }

            Attributes(type, header);
            GenericConstraints(type, header);
            foreach (var field in type.Fields)
            {
                var member = generatedFrom.Length > 0 ? CachedLambdaOf(type, field) ?? generatedFrom : field.Name;
                Walk(field.FieldType, member, generatedFrom.Length > 0 ? $"captured or state-machine field {field.Name}" : "field");
                Attributes(field, member);
            }

            foreach (var property in type.Properties)
            {
                Walk(property.PropertyType, property.Name, "property");
                Attributes(property, property.Name);
            }

            foreach (var @event in type.Events)
            {
                Walk(@event.EventType, @event.Name, "event");
                Attributes(@event, @event.Name);
            }

            foreach (var method in type.Methods)
            {
                Method(method, MemberOf(method));
            }

            foreach (var nested in type.NestedTypes)
            {
                if (IsCompilerGenerated(nested, nested.Name))
                {
                    new Scan(usages, owner, GeneratedFrom(nested)).Type(nested);
                }
                else
                {
                    new Scan(usages, OwnerName(nested), string.Empty).Type(nested);
                }
            }
        }

        // A generated type's source member: from its own name ("<Run>d__4"), else from a lambda it holds ("<Run>b__0"), else
        // from the local function or lambda beside it with the same method ordinal ("<>c__DisplayClass4_0" and "<Run>g__Sum|4_0").
        private string GeneratedFrom(TypeDefinition nested) =>
            SourceMember(nested.Name)
            ?? nested.Methods.Select(m => SourceMember(m.Name)).FirstOrDefault(m => m is not null)
            ?? OrdinalSibling(nested)
            ?? (generatedFrom.Length > 0 ? generatedFrom : nested.Name);

        private static string? OrdinalSibling(TypeDefinition nested)
        {
            const string prefix = "<>c__DisplayClass";
            var end = nested.Name.StartsWith(prefix, StringComparison.Ordinal) ? nested.Name.IndexOf('_', prefix.Length) : -1;
            if (end < 0)
            {
                return null;
            }

            var ordinal = nested.Name[prefix.Length..end];
            return nested.DeclaringType.Methods
                .Where(m => m.Name.Contains($"|{ordinal}_", StringComparison.Ordinal) || m.Name.Contains($"b__{ordinal}_", StringComparison.Ordinal))
                .Select(m => SourceMember(m.Name))
                .FirstOrDefault(m => m is not null);
        }

        // "<>c" caches each lambda's delegate in a field named after it: "<>9__4_0" holds "<Run>b__4_0".
        private static string? CachedLambdaOf(TypeDefinition type, FieldDefinition field) =>
            field.Name.StartsWith("<>9__", StringComparison.Ordinal)
                ? type.Methods.Where(m => m.Name.EndsWith($"b__{field.Name[5..]}", StringComparison.Ordinal)).Select(m => SourceMember(m.Name)).FirstOrDefault()
                : null;

        private string MemberOf(MethodDefinition method) =>
            SourceMember(method.Name) ?? (generatedFrom.Length > 0 ? generatedFrom : method.Name);

        private void Method(MethodDefinition method, string member)
        {
            Attributes(method, member);
            Attributes(method.MethodReturnType, member);
            GenericConstraints(method, member);
            Walk(method.ReturnType, member, "return");
            foreach (var parameter in method.Parameters)
            {
                Walk(parameter.ParameterType, member, $"parameter {parameter.Name}");
                Attributes(parameter, member);
            }

            if (!method.HasBody)
            {
                return;
            }

            foreach (var local in method.Body.Variables)
            {
                Walk(local.VariableType, member, "local");
            }

            foreach (var handler in method.Body.ExceptionHandlers)
            {
                Walk(handler.CatchType, member, "catch");
            }

            foreach (var instruction in method.Body.Instructions)
            {
                Instruction(instruction, member);
            }
        }

        private void Instruction(Instruction instruction, string member)
        {
            if (FloatingPointOpCode(instruction.OpCode) is { } floating)
            {
                var value = instruction.Operand is { } operand ? FormattableString.Invariant($" {operand}") : string.Empty;
                Record(member, $"IL {instruction.OpCode.Name}{value}", floating, "System", "(IL)");
            }

            switch (instruction.Operand)
            {
                case TypeReference type:
                    Walk(type, member, $"IL {instruction.OpCode.Name}");
                    break;
                case MethodReference called:
                    var name = $"{called.DeclaringType.FullName.Replace('/', '+')}.{called.Name}";
                    Walk(called.DeclaringType, member, $"call to {name}");
                    Walk(called.ReturnType, member, $"call to {name} (return)");
                    foreach (var parameter in called.Parameters)
                    {
                        Walk(parameter.ParameterType, member, $"call to {name} (parameter)");
                    }

                    if (called is GenericInstanceMethod generic)
                    {
                        foreach (var argument in generic.GenericArguments)
                        {
                            Walk(argument, member, $"call to {name} (generic argument)");
                        }
                    }

                    break;
                case FieldReference field:
                    var fieldName = $"{field.DeclaringType.FullName.Replace('/', '+')}.{field.Name}";
                    Walk(field.DeclaringType, member, $"access to {fieldName}");
                    Walk(field.FieldType, member, $"access to {fieldName} (field type)");
                    break;
                case CallSite site:
                    Walk(site.ReturnType, member, "calli (return)");
                    foreach (var parameter in site.Parameters)
                    {
                        Walk(parameter.ParameterType, member, "calli (parameter)");
                    }

                    break;
                default:
                    break;
            }
        }

        // The floating-point type an instruction computes with, whatever the types around it say.
        private static string? FloatingPointOpCode(OpCode code) => code.Code switch
        {
            Code.Ldc_R4 or Code.Conv_R4 or Code.Ldind_R4 or Code.Stind_R4 or Code.Ldelem_R4 or Code.Stelem_R4 => "System.Single",
            Code.Ldc_R8 or Code.Conv_R8 or Code.Conv_R_Un or Code.Ldind_R8 or Code.Stind_R8 or Code.Ldelem_R8 or Code.Stelem_R8 or Code.Ckfinite => "System.Double",
            _ => null,
        };

        private void Attributes(ICustomAttributeProvider provider, string member)
        {
            foreach (var attribute in provider.CustomAttributes)
            {
                var name = attribute.AttributeType.FullName;
                Walk(attribute.AttributeType, member, "attribute");
                foreach (var parameter in attribute.Constructor.Parameters)
                {
                    Walk(parameter.ParameterType, member, $"attribute {name} (constructor parameter)");
                }

                foreach (var argument in attribute.ConstructorArguments.Concat(attribute.Fields.Concat(attribute.Properties).Select(n => n.Argument)))
                {
                    Walk(argument.Type, member, $"attribute {name} (argument)");
                    if (argument.Value is TypeReference typeOf)
                    {
                        Walk(typeOf, member, $"attribute {name} (typeof argument)");
                    }
                }
            }
        }

        private void GenericConstraints(IGenericParameterProvider provider, string member)
        {
            foreach (var constraint in provider.GenericParameters.SelectMany(p => p.Constraints))
            {
                Walk(constraint.ConstraintType, member, "generic constraint");
            }
        }

        // A type and everything it is built from: List<decimal[]> is List`1, decimal[] and decimal.
        private void Walk(TypeReference? type, string member, string how)
        {
            switch (type)
            {
                case null or GenericParameter:
                    return;
                case GenericInstanceType generic:
                    Walk(generic.ElementType, member, how);
                    foreach (var argument in generic.GenericArguments)
                    {
                        Walk(argument, member, $"{how}, generic argument of {generic.ElementType.FullName.Replace('/', '+')}");
                    }

                    return;
                case FunctionPointerType pointer:
                    Walk(pointer.ReturnType, member, $"{how}, function pointer return");
                    foreach (var parameter in pointer.Parameters)
                    {
                        Walk(parameter.ParameterType, member, $"{how}, function pointer parameter");
                    }

                    return;
                case IModifierType modified:
                    Walk(modified.ModifierType, member, $"{how}, modifier");
                    Walk(modified.ElementType, member, how);
                    return;
                case TypeSpecification specification:
                    Walk(specification.ElementType, member, how);
                    return;
                default:
                    var outermost = type;
                    while (outermost.DeclaringType is { } declaring)
                    {
                        outermost = declaring;
                    }

                    Record(member, how, type.FullName.Replace('/', '+'), outermost.Namespace, AssemblyOf(type));
                    return;
            }
        }

        private void Record(string member, string how, string used, string @namespace, string assembly) =>
            usages.Add(new TypeUsage(owner, member, how, used, @namespace, assembly));

        private static string AssemblyOf(TypeReference type) => type.Scope switch
        {
            AssemblyNameReference reference => reference.Name,
            ModuleDefinition module => module.Assembly.Name.Name,
            var other => other.Name,
        };
    }
}
