// Crm.Engine quick start: a host on embedded SQLite that sets up one client (tenant) the way a consultant would,
// records some customer work, and prints the customer's timeline. Run: dotnet run --project samples/Crm.Samples.QuickStart
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// A fresh database per run, so the sample always starts from nothing; pass a path to keep one.
var databasePath = args.Length > 0 ? Path.GetFullPath(args[0]) : Path.Combine(Path.GetTempPath(), $"crm-quickstart-{Guid.NewGuid():N}.db");

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddCrmEngine().UseSqlite($"Data Source={databasePath}");
using var host = builder.Build();
await host.StartAsync(); // migrates the database

var engine = host.Services.GetRequiredService<ICrmEngine>();
using var subscription = engine.Events.Subscribe<RecordCreated>((e, _) =>
{
    Console.WriteLine($"  event: {e.Record.EntityType} created ({e.Record["name"] ?? e.Record["subject"]})");
    return Task.CompletedTask;
});

Console.WriteLine($"Database: {databasePath}");
Console.WriteLine();
Console.WriteLine("1. A tenant for the client, with its regional settings");
// A new tenant each run (a kept database gets one more client per run): its id is printed for `crm --tenant`.
var tenantId = $"acme-{Random.Shared.Next(1000, 9999)}";
while (await engine.Tenants.GetAsync(tenantId) is not null)
{
    tenantId = $"acme-{Random.Shared.Next(1000, 9999)}";
}

await engine.Tenants.CreateAsync(tenantId, "Acme Appliances GmbH", new TenantSettings("Europe/Berlin", "de-DE", "EUR"));
Console.WriteLine($"  tenant {tenantId} (inspect it with: crm account list --db {databasePath} --tenant {tenantId})");

var admin = engine.ForTenant(tenantId);
var manager = await admin.Organization.CreateUserAsync(new NewUser("m.meyer", "Maria Meyer") { Email = "m.meyer@acme.example" });
await admin.Organization.DefineRoleAsync(new CrmRole("quality-manager", "Quality manager", "Owns product-quality complaints"));
await admin.Organization.GrantRoleAsync(new RoleAssignment(manager.Id, "quality-manager", null));
// Security role: what the user may see and change (the consultant here is the tenant's administrator).
await admin.Security.GrantRoleAsync(SecurityPrincipal.User(manager.Id), SystemRoles.Administrator);
var crm = admin.AsUser(manager.Id);

Console.WriteLine("2. The consultant renames 'Account' to 'Customer' and adds custom fields, for this tenant only");
await crm.Metadata.RenameEntityAsync(CoreEntities.Account, "Customer", "Customers");
await crm.Metadata.RenameFieldAsync(CoreEntities.Account, AccountFields.AccountNumber, "Customer number");
await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition
{
    ApiName = "loyaltyTier_c",
    Type = FieldType.Choice,
    Label = "Loyalty tier",
    Options = [new("gold", "Gold"), new("silver", "Silver"), new("bronze", "Bronze")],
    Indexed = true,
});
await crm.Metadata.AddCustomFieldAsync(CoreEntities.Contact, new FieldDefinition { ApiName = "preferredChannel_c", Type = FieldType.Choice, Options = [new("email", "E-mail"), new("sms", "SMS"), new("im", "Instant message")] });
// Numbered by the engine: every new customer without a number gets the next one of the year (gap-free).
await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "customerNo_c", Type = FieldType.Text, Label = "Customer no.", AutoNumber = "K-{yyyy}-{seq:0000}" });
var account = await crm.Metadata.GetEntityAsync(CoreEntities.Account);
Console.WriteLine($"   entity shown as '{account.DisplayName}', fields: {string.Join(", ", account.Fields.Select(f => $"{f.ApiName} \"{f.Label}\""))}");

Console.WriteLine("3. Customers, contacts and activities");
var group = await crm.Accounts.CreateAsync(new NewAccount("Müller Handels AG") { Phone = "+49 30 1234567", Fields = new Dictionary<string, object?> { ["loyaltyTier_c"] = "gold", [AccountFields.AccountNumber] = "C-1001" } });
var branch = await crm.Accounts.CreateAsync(new NewAccount("Müller Handels AG – Filiale Nord") { ParentAccountId = group.Id, Fields = new Dictionary<string, object?> { ["loyaltyTier_c"] = "silver" } });
var jan = await crm.Contacts.CreateAsync(new NewContact("Jan", "Schulz") { AccountId = group.Id, MobilePhone = "+49 170 5550101", Email = "jan.schulz@mueller.example", Fields = new Dictionary<string, object?> { ["preferredChannel_c"] = "sms" } });
await crm.Contacts.CreateAsync(new NewContact("Eva", "Koch") { AccountId = branch.Id, Phone = "030 7654321" });
Console.WriteLine($"   customer numbers given by the engine: {group["customerNo_c"]}, {branch["customerNo_c"]}");

var start = DateTimeOffset.UtcNow.AddDays(-3);
await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Call, "Complaint: washing machine leaks", new RecordRef(CoreEntities.Contact, jan.Id)) { Direction = "inbound", OccurredAt = start });
await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Email, "Sent return label", new RecordRef(CoreEntities.Contact, jan.Id)) { Direction = "outbound", OccurredAt = start.AddHours(2) });
await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Task, "Call back after technician visit", new RecordRef(CoreEntities.Account, group.Id)) { OccurredAt = start.AddDays(2) });
await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Note, "Prefers SMS over e-mail", new RecordRef(CoreEntities.Account, group.Id)) { OccurredAt = start.AddDays(1) });

Console.WriteLine("4. Bad input is refused with the field at fault, and nothing is written");
try
{
    await crm.Accounts.CreateAsync(new NewAccount("Bad tier GmbH") { Fields = new Dictionary<string, object?> { ["loyaltyTier_c"] = "Platinum", ["loyaltyTeir_c"] = "gold" } });
}
catch (CrmValidationException ex)
{
    Console.WriteLine("   " + ex.Message.Replace(Environment.NewLine, Environment.NewLine + "   ", StringComparison.Ordinal));
}

Console.WriteLine("5. Who is calling from 0170 5550101?");
foreach (var match in await crm.Contacts.FindByPhoneAsync("0170 5550101"))
{
    Console.WriteLine($"   {match.EntityType}: {match["name"]}");
}

Console.WriteLine("6. Gold customers (query on a custom field)");
var gold = await crm.Records.QueryAsync(RecordQuery.For(CoreEntities.Account).Where("loyaltyTier_c", "gold").OrderBy(AccountFields.Name));
foreach (var record in gold.Records)
{
    Console.WriteLine($"   {record["name"]} ({record[AccountFields.AccountNumber]})");
}

Console.WriteLine($"7. Timeline of {group["name"]}, newest first");
var timeline = await crm.Activities.GetTimelineAsync(group.Id);
foreach (var activity in timeline.Records)
{
    Console.WriteLine($"   {activity.Get<DateTimeOffset>(ActivityFields.OccurredAt):yyyy-MM-dd HH:mm}  {activity[ActivityFields.ActivityType],-7} {activity[ActivityFields.Status],-9} {activity[ActivityFields.Subject]}");
}

Console.WriteLine("8. A sales rep in another office sees only their own customers; every change is audited");
var munich = await admin.Organization.CreateUnitAsync("Branch Munich");
var rep = await admin.Organization.CreateUserAsync(new NewUser("j.huber", "Jonas Huber") { UnitId = munich.Id });
await admin.Security.GrantRoleAsync(SecurityPrincipal.User(rep.Id), SystemRoles.SalesRep);
var asRep = admin.AsUser(rep.Id);
await asRep.Accounts.CreateAsync(new NewAccount("Huber Elektro KG"));
Console.WriteLine($"   the manager sees {await crm.Records.CountAsync(RecordQuery.For(CoreEntities.Account))} customers, the rep {await asRep.Records.CountAsync(RecordQuery.For(CoreEntities.Account))}");
Console.WriteLine($"   the rep opening {group["name"]} by id gets: {(await asRep.Accounts.GetAsync(group.Id))?["name"] ?? "nothing (not theirs)"}");
var trail = await crm.Audit.QueryAsync(new AuditQuery { RecordId = group.Id });
foreach (var entry in trail.Entries.Reverse())
{
    Console.WriteLine($"   audit: {entry.At:HH:mm:ss} {entry.Action} by {(entry.UserId == manager.Id ? manager.DisplayName : entry.UserId?.ToString() ?? "system")} via {entry.Source}: {string.Join(", ", entry.Changes.Select(c => c.Field))}");
}

await host.StopAsync();
Console.WriteLine();
Console.WriteLine($"Done: {timeline.Records.Count} activities on the timeline.");
