-- "No lock" is 0, as every other time column says "no time". Before, a
-- ticket with a wrong PIN but no lock held the zero time.Time in
-- milliseconds (-62135596800000): reading it back worked, a query for 0
-- would have missed it. PostgreSQL stores NULL there and needs nothing.
UPDATE requests SET pin_locked_until = 0 WHERE pin_locked_until < 0;
