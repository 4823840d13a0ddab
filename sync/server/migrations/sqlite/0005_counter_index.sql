-- 0005: find a request by originator and counter, for the counter window
-- (Config.CounterWindow): every accepted counter is recorded in requests.
CREATE INDEX requests_counter ON requests(originator, counter);
