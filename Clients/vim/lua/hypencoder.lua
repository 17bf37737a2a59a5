-- Neovim transport of autoload/hypencoder/rpc.vim: one connection to hypencoderd's Unix socket
-- (vim.loop pipe) speaking the LSP base protocol (Content-Length framing). JSON stays in
-- Vimscript: send() takes an encoded body, and every body received goes to
-- hypencoder#rpc#_nvim_receive(body) on the main loop; the end of the connection to
-- hypencoder#rpc#_nvim_closed(reason). Neovim 0.7 or later.

local M = {}
local uv = vim.loop

local REASONS = {
  ENOENT = 'no such file or directory',
  ECONNREFUSED = 'connection refused',
  EACCES = 'permission denied',
  ENOTSOCK = 'not a socket',
  ENAMETOOLONG = 'socket path too long',
}

--- libuv names an error ("ENOENT"); say it in words as well.
local function reason(err)
  local text = tostring(err)
  local name = text:match('^(E%u+)')
  if name and REASONS[name] and not text:find(':', 1, true) then
    return name .. ': ' .. REASONS[name]
  end
  return text
end

--- The open connection: {pipe = uv_pipe_t, buffer = bytes not yet framed}, or nil.
local current = nil

local function closed(connection, reason)
  if current ~= connection then
    return -- closed on purpose (M.close), or superseded by a newer connection
  end
  current = nil
  if not connection.pipe:is_closing() then
    connection.pipe:close()
  end
  vim.schedule(function()
    vim.fn['hypencoder#rpc#_nvim_closed'](reason)
  end)
end

--- Splits the complete messages off the connection's buffer.
local function take_bodies(connection)
  local bodies = {}
  while true do
    local buffer = connection.buffer
    local header_end = buffer:find('\r\n\r\n', 1, true)
    if not header_end then
      break
    end
    local length = tonumber(buffer:sub(1, header_end):lower():match('content%-length:%s*(%d+)'))
    if not length then
      return bodies, 'a message header without Content-Length'
    end
    local first = header_end + 4
    if #buffer < first + length - 1 then
      break
    end
    bodies[#bodies + 1] = buffer:sub(first, first + length - 1)
    connection.buffer = buffer:sub(first + length)
  end
  return bodies, nil
end

--- Connects to the socket at path, waiting at most timeout milliseconds. Returns '' once
--- connected, else why not (e.g. "ENOENT: no such file or directory").
function M.connect(path, timeout)
  M.close()
  local pipe = uv.new_pipe(false)
  local finished, failure = false, nil
  local ok, problem = pcall(pipe.connect, pipe, path, function(err)
    failure = err
    finished = true
  end)
  if not ok then
    pipe:close()
    return reason(problem)
  end
  if not vim.wait(timeout, function() return finished end, 5) then
    pipe:close()
    return 'no connection within ' .. timeout .. ' ms'
  end
  if failure then
    pipe:close()
    return reason(failure)
  end
  local connection = { pipe = pipe, buffer = '' }
  current = connection
  pipe:read_start(function(err, chunk)
    if err or not chunk then
      closed(connection, err or 'end of stream')
      return
    end
    connection.buffer = connection.buffer .. chunk
    local bodies, broken = take_bodies(connection)
    if #bodies > 0 then
      -- Delivered in order, before any closed() scheduled after them.
      vim.schedule(function()
        for _, body in ipairs(bodies) do
          vim.fn['hypencoder#rpc#_nvim_receive'](body)
        end
      end)
    end
    if broken then
      closed(connection, broken)
    end
  end)
  return ''
end

--- Sends one encoded JSON-RPC message. Returns '' or why it could not be sent.
function M.send(body)
  local connection = current
  if not connection then
    return 'not connected'
  end
  local ok, result, problem = pcall(connection.pipe.write, connection.pipe,
    'Content-Length: ' .. #body .. '\r\n\r\n' .. body, function(err)
      if err then
        closed(connection, err)
      end
    end)
  if not ok then
    return tostring(result)
  end
  if not result then
    return tostring(problem)
  end
  return ''
end

function M.is_open()
  return current ~= nil
end

--- Closes the connection without calling hypencoder#rpc#_nvim_closed (the caller knows).
function M.close()
  local connection = current
  current = nil
  if connection and not connection.pipe:is_closing() then
    connection.pipe:read_stop()
    connection.pipe:close()
  end
end

return M
