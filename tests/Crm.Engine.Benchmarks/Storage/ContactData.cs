using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Crm.Engine.Benchmarks.Storage;

/// <summary>Deterministic contact rows, and the raw-driver floor that writes the same rows the engine stores.</summary>
public static class ContactData
{
    private static readonly string[] FirstNames = ["Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo", "Ida", "Jonas"];
    private static readonly string[] LastNames = ["Schulz", "Meyer", "Koch", "Wagner", "Becker", "Hoffmann", "Fischer", "Weber", "Klein", "Wolf"];

    public static string Phone(int i) => "+49 170 " + (1_000_000 + i).ToString(CultureInfo.InvariantCulture);

    public static List<Dictionary<string, object?>> Rows(int count) => Enumerable.Range(0, count).Select(i => new Dictionary<string, object?>
    {
        ["firstName"] = FirstNames[i % FirstNames.Length],
        ["lastName"] = LastNames[(i / FirstNames.Length) % LastNames.Length],
        ["email"] = $"person{i}@example.com",
        ["mobilePhone"] = Phone(i),
    }).ToList();

    /// <summary>Writes contacts straight into the engine's tables (records + phone/e-mail keys) with prepared commands in one transaction.</summary>
    public static void InsertRaw(string databasePath, string tenant, int count, int offset = 0)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath}");
        connection.Open();
        using var tx = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = "INSERT INTO records (tenant_id, id, entity_type, version, owner_id, created_at, created_by, modified_at, modified_by, fields) VALUES ($t, $id, 'contact', 1, NULL, $at, NULL, $at, NULL, $fields)";
        var pTenant = insert.Parameters.Add("$t", SqliteType.Text);
        var pId = insert.Parameters.Add("$id", SqliteType.Text);
        var pAt = insert.Parameters.Add("$at", SqliteType.Text);
        var pFields = insert.Parameters.Add("$fields", SqliteType.Text);
        insert.Prepare();
        using var key = connection.CreateCommand();
        key.Transaction = tx;
        key.CommandText = "INSERT INTO record_keys (tenant_id, kind, key, record_id, field) VALUES ($t, $kind, $key, $id, $field)";
        var kTenant = key.Parameters.Add("$t", SqliteType.Text);
        var kKind = key.Parameters.Add("$kind", SqliteType.Text);
        var kKey = key.Parameters.Add("$key", SqliteType.Text);
        var kId = key.Parameters.Add("$id", SqliteType.Text);
        var kField = key.Parameters.Add("$field", SqliteType.Text);
        key.Prepare();
        var at = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        for (var n = 0; n < count; n++)
        {
            var i = n + offset;
            var id = Guid.CreateVersion7().ToString("D");
            var first = FirstNames[i % FirstNames.Length];
            var last = LastNames[(i / FirstNames.Length) % LastNames.Length];
            var email = $"person{i}@example.com";
            var phone = Phone(i);
            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("email", email);
                json.WriteString("firstName", first);
                json.WriteString("lastName", last);
                json.WriteString("mobilePhone", phone);
                json.WriteString("name", first + " " + last);
                json.WriteEndObject();
            }

            pTenant.Value = tenant;
            pId.Value = id;
            pAt.Value = at;
            pFields.Value = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
            insert.ExecuteNonQuery();
            kTenant.Value = tenant;
            kId.Value = id;
            kKind.Value = "email";
            kKey.Value = email;
            kField.Value = "email";
            key.ExecuteNonQuery();
            kKind.Value = "phone";
            kKey.Value = new string(phone.Where(char.IsAsciiDigit).Reverse().ToArray());
            kField.Value = "mobilePhone";
            key.ExecuteNonQuery();
        }

        tx.Commit();
    }
}
