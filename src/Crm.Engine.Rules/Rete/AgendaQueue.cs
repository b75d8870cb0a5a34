namespace Crm.Engine.Rules.Rete;

/// <summary>
/// The agenda's queue. Order: higher rule priority first, then the most recently (re)activated first. Every enqueue
/// is more recent than everything already queued, so within one priority the queue is a stack: an activation is
/// pushed on top and the top fires next. Each priority level is an array used as a stack; an activation removed from
/// the middle (its match changed or went away) leaves a hole that is skipped, and holes are squeezed out when the
/// array would otherwise grow. Adding, taking the next and removing any activation are O(1) and touch no other
/// activation (a binary heap moved log n activations, each a likely cache miss, per operation).
/// </summary>
internal sealed class AgendaQueue(int capacity)
{
    // Levels by descending priority; usually one or two.
    private Level[] _levels = [];

    public int Count { get; private set; }

    /// <summary>The activation that fires next (the agenda must not be empty).</summary>
    public Activation Min
    {
        get
        {
            foreach (var level in _levels)
            {
                if (level.Live > 0)
                {
                    return level.Items[level.Top - 1]!;
                }
            }

            throw new InvalidOperationException("The agenda is empty.");
        }
    }

    public void Add(Activation activation)
    {
        var level = LevelOf(activation.Priority);
        level.Push(activation);
        Count++;
    }

    public void Remove(Activation activation)
    {
        var i = activation.QueueIndex;
        if (i < 0)
        {
            return;
        }

        var level = LevelOf(activation.Priority);
        if (i >= level.Top || !ReferenceEquals(level.Items[i], activation))
        {
            return;
        }

        level.RemoveAt(i);
        activation.QueueIndex = -1;
        Count--;
    }

    public void Clear()
    {
        foreach (var level in _levels)
        {
            for (var i = 0; i < level.Top; i++)
            {
                if (level.Items[i] is { } activation)
                {
                    activation.QueueIndex = -1;
                    activation.IsQueued = false;
                    level.Items[i] = null;
                }
            }

            level.Top = 0;
            level.Live = 0;
        }

        Count = 0;
    }

    private Level LevelOf(int priority)
    {
        var levels = _levels;
        for (var i = 0; i < levels.Length; i++)
        {
            if (levels[i].Priority == priority)
            {
                return levels[i];
            }

            if (levels[i].Priority < priority)
            {
                return Insert(i, priority);
            }
        }

        return Insert(levels.Length, priority);
    }

    private Level Insert(int at, int priority)
    {
        var level = new Level(priority, _levels.Length == 0 ? Math.Max(4, capacity) : 4);
        var levels = new Level[_levels.Length + 1];
        Array.Copy(_levels, 0, levels, 0, at);
        levels[at] = level;
        Array.Copy(_levels, at, levels, at + 1, _levels.Length - at);
        _levels = levels;
        return level;
    }

    private sealed class Level(int priority, int capacity)
    {
        public int Priority { get; } = priority;

        public Activation?[] Items { get; private set; } = new Activation?[capacity];

        /// <summary>One past the highest used position; <c>Items[Top - 1]</c> is live whenever <see cref="Live"/> &gt; 0.</summary>
        public int Top { get; set; }

        public int Live { get; set; }

        public void Push(Activation activation)
        {
            if (Top == Items.Length)
            {
                if (Live <= Items.Length / 2)
                {
                    Squeeze();
                }
                else
                {
                    var items = Items;
                    Array.Resize(ref items, items.Length * 2);
                    Items = items;
                }
            }

            activation.QueueIndex = Top;
            Items[Top++] = activation;
            Live++;
        }

        public void RemoveAt(int i)
        {
            Items[i] = null;
            Live--;
            while (Top > 0 && Items[Top - 1] is null)
            {
                Top--;
            }
        }

        // Drops the holes, keeping the order (and each activation's position up to date).
        private void Squeeze()
        {
            var n = 0;
            for (var i = 0; i < Top; i++)
            {
                if (Items[i] is { } activation)
                {
                    activation.QueueIndex = n;
                    Items[n++] = activation;
                }
            }

            Array.Clear(Items, n, Top - n);
            Top = n;
        }
    }
}
