-- tests/milter/run.lua - runs the script named by MT_SCRIPT and prints
-- why it failed (miltertest exits 1 without a word on a Lua error).
local ok, err = pcall(dofile, os.getenv("MT_DIR") .. "/" .. os.getenv("MT_SCRIPT") .. ".lua")
if not ok then
	print("FAIL: " .. tostring(err))
	os.exit(1)
end
