namespace Crm.Engine.Rules.Tests;

public sealed class Customer(string name)
{
    public int Id { get; set; }

    public string Name { get; set; } = name;

    public bool IsPreferred { get; set; }

    public Address? Address { get; set; }

    public decimal Discount { get; set; }

    public List<string> Tags { get; } = [];

    public int Visits { get; set; }

    public override string ToString() => $"Customer({Name})";
}

public sealed class Order(int id, Customer? customer, decimal amount)
{
    public int Id { get; } = id;

    public Customer? Customer { get; set; } = customer;

    public int CustomerId { get; set; } = customer?.Id ?? 0;

    public decimal Amount { get; set; } = amount;

    public bool IsOpen { get; set; } = true;

    public bool IsDiscounted { get; set; }

    public override string ToString() => $"Order({Id})";
}

public sealed record Address(string City);

public sealed record Notice(string Text);

public sealed record Ancestor(string Parent, string Child);

public sealed record Total(string Customer, decimal Amount);

/// <summary>A dynamic fact like the ones rule packs will use: one CLR type, told apart by EntityType.</summary>
public sealed record Entity(string EntityType, Dictionary<string, object?> Fields)
{
    public object? Get(string field) => Fields.GetValueOrDefault(field);

    public override string ToString() => $"{EntityType}({string.Join(",", Fields.Select(f => $"{f.Key}={f.Value}"))})";
}

public interface IDiscountService
{
    decimal DiscountFor(Customer customer);
}

internal static class Harness
{
    public static ISessionFactory Compile(params Type[] ruleTypes)
    {
        var repository = new Fluent.RuleRepository();
        repository.Load(x => x.From(ruleTypes));
        return RuleRepositoryExtensions.Compile(repository);
    }

    public static ISession Session(params Type[] ruleTypes) => Compile(ruleTypes).CreateSession();

    /// <summary>Fires and returns what fired: rule name plus the matched values.</summary>
    public static List<(string Rule, object?[] Facts)> FireAndRecord(this ISession session, int max = int.MaxValue)
    {
        var fired = new List<(string, object?[])>();
        void Handler(object? sender, Diagnostics.AgendaEventArgs e) => fired.Add((e.Rule.Name, [.. e.Facts.Select(f => f.Value)]));
        session.Events.RuleFiredEvent += Handler;
        try
        {
            session.Fire(max);
        }
        finally
        {
            session.Events.RuleFiredEvent -= Handler;
        }

        return fired;
    }
}
