-- The inbox's index also holds what its filters and counts look at
-- (topic, neighbourhood, channel, who has it, whether its clock is paused):
-- a filtered page and the counts beside the filters read the index only,
-- not the requests' rows, which are wide (answers, summary). Before, a
-- filter that matched few requests looked up every open row. Statuses,
-- counted for every request, have their own index.
DROP INDEX requests_inbox;
CREATE INDEX requests_inbox ON requests (open, priority_rank DESC, due_at, id, topic, wijk, channel, assigned_to, paused_at);
CREATE INDEX requests_status ON requests (status);
