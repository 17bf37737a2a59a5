" autoload/hypencoder/rpc.vim - the connection to hypencoderd: which socket, connecting,
" sending requests and notifications, the requests still pending, cancelling them, and
" what happens to them when the connection is lost.
"
" One connection per editor to the daemon's Unix socket, speaking JSON-RPC 2.0 with the LSP
" Content-Length framing: in Vim a channel in "lsp" mode on "unix:PATH" (Vim 9.0), in Neovim
" lua/hypencoder.lua (a vim.loop pipe with its own framing) with JSON handled here.
" Every reply goes to the callback its request registered in s:callbacks; a notification to
" the handler registered for its method (hypencoder#rpc#on_notification). Knows nothing of
" searching or indexing. Protocol: Docs/protocol.md.

let s:save_cpo = &cpo
set cpo&vim

let s:is_nvim = has('nvim')
"! Code given to the callbacks of requests still pending when the connection is lost.
let g:hypencoder#rpc#CONNECTION_LOST = -32099
let g:hypencoder#rpc#CANCELLED = -32800
let g:hypencoder#rpc#METHOD_NOT_FOUND = -32601

let s:channel = v:null          " Vim: the channel
let s:connected_path = ''       " the socket of the open connection
let s:callbacks = {}            " request id -> Funcref(response)
let s:next_id = 0               " Neovim: last request id (Vim numbers its own)
let s:handlers = {}             " notification method -> Funcref(params)

" The connection's part of hypencoder#status(): the socket connected to, the requests
" pending (id -> method) and the ids of those cancelled.
let s:state = {
      \ 'socket': '',
      \ 'pending': {},
      \ 'cancelled': [],
      \ }

function! hypencoder#rpc#state() abort
  return deepcopy(s:state)
endfunction

" Whether a request is still waiting for its reply.
function! hypencoder#rpc#busy() abort
  return !empty(s:state.pending)
endfunction

" ---------------------------------------------------------------------------------------
" Socket

" The socket: g:hypencoder_socket, else $HYPENCODER_SOCKET, else the daemon's default
" ($XDG_RUNTIME_DIR/hypencoder.sock, /run/hypencoder/hypencoder.sock as root, else
" /tmp/hypencoder-$UID.sock), the order of Sources/HypencoderRPC/Client/SocketPath.swift.
function! hypencoder#rpc#socket_path() abort
  let chosen = get(g:, 'hypencoder_socket', '')
  if !empty(chosen)
    return expand(chosen)
  endif
  if !empty($HYPENCODER_SOCKET)
    return $HYPENCODER_SOCKET
  endif
  if !empty($XDG_RUNTIME_DIR)
    return $XDG_RUNTIME_DIR . ($XDG_RUNTIME_DIR =~# '/$' ? '' : '/') . 'hypencoder.sock'
  endif
  let uid = s:uid()
  return uid == 0 ? '/run/hypencoder/hypencoder.sock' : '/tmp/hypencoder-' . uid . '.sock'
endfunction

function! s:uid() abort
  if !exists('s:uid_cache')
    let s:uid_cache = -1
    if filereadable('/proc/self/status')
      for line in readfile('/proc/self/status')
        if line =~# '^Uid:'
          let s:uid_cache = str2nr(split(line)[1])
          break
        endif
      endfor
    endif
    if s:uid_cache < 0
      let s:uid_cache = str2nr(trim(system('id -u')))
    endif
  endif
  return s:uid_cache
endfunction

" ---------------------------------------------------------------------------------------
" Connection

function! hypencoder#rpc#is_open() abort
  if s:is_nvim
    return luaeval('require("hypencoder").is_open()') ? 1 : 0
  endif
  return type(s:channel) == v:t_channel && ch_status(s:channel) ==# 'open'
endfunction

" Connects unless connected to the socket the options name now. Returns '' when connected,
" else the message to show.
function! s:connect() abort
  let path = hypencoder#rpc#socket_path()
  if s:connected_path ==# path && hypencoder#rpc#is_open()
    return ''
  endif
  call s:disconnect('reconnecting')
  let problem = ''
  if s:is_nvim
    let problem = luaeval('require("hypencoder").connect(_A[1], _A[2])',
          \ [path, str2nr(hypencoder#ui#option('connect_timeout', 2000))])
  else
    " No "waittime": Vim 9.0 refuses it for unix: addresses (E475); a Unix socket connects
    " or fails at once anyway.
    try
      let channel = ch_open('unix:' . path, {
            \ 'mode': 'lsp',
            \ 'callback': function('s:on_vim_message'),
            \ 'close_cb': function('s:on_vim_close'),
            \ 'noblock': 1,
            \ })
      if ch_status(channel) ==# 'open'
        let s:channel = channel
      else
        let problem = 'connection failed'
      endif
    catch
      let problem = substitute(v:exception, '^.\{-}E\d\+:\s*\%(Cannot connect to port:\s*\)\=', '', '')
    endtry
  endif
  if !empty(problem)
    return printf('no hypencoderd answers at %s (%s): start the daemon (hypencoderd, or '
          \ . 'systemctl --user start hypencoder.socket), or set $HYPENCODER_SOCKET or '
          \ . 'g:hypencoder_socket to its socket', path, problem)
  endif
  let s:connected_path = path
  let s:state.socket = path
  return ''
endfunction

function! s:disconnect(reason) abort
  if s:is_nvim
    call luaeval('require("hypencoder").close()')
  elseif type(s:channel) == v:t_channel
    if ch_status(s:channel) ==# 'open'
      call ch_close(s:channel)
    endif
  endif
  let s:channel = v:null
  let s:connected_path = ''
  call s:fail_pending(a:reason)
endfunction

" Answers every pending request with a connection error, so that nothing waits forever.
function! s:fail_pending(reason) abort
  let callbacks = s:callbacks
  let s:callbacks = {}
  let s:state.pending = {}
  for [id, Callback] in items(callbacks)
    call s:call(Callback, {'id': str2nr(id), 'error': {'code': g:hypencoder#rpc#CONNECTION_LOST,
          \ 'message': 'connection to hypencoderd lost: ' . a:reason}})
  endfor
endfunction

function! s:on_vim_message(channel, message) abort
  call s:dispatch(a:message)
endfunction

function! s:on_vim_close(channel) abort
  if type(s:channel) == v:t_channel && s:channel_id(s:channel) == s:channel_id(a:channel)
    let s:channel = v:null
    let s:connected_path = ''
    call s:fail_pending('the daemon closed the connection')
  endif
endfunction

function! s:channel_id(channel) abort
  try
    return ch_info(a:channel).id
  catch
    return -1
  endtry
endfunction

" Neovim: a message body from lua/hypencoder.lua.
function! hypencoder#rpc#_nvim_receive(body) abort
  try
    let message = json_decode(a:body)
  catch
    call s:disconnect('the daemon sent something that is not JSON')
    return
  endtry
  call s:dispatch(message)
endfunction

" Neovim: the daemon closed the connection (lua/hypencoder.lua has closed its pipe).
function! hypencoder#rpc#_nvim_closed(reason) abort
  if hypencoder#rpc#is_open()
    " An older connection: its requests were failed when it was replaced.
    return
  endif
  let s:connected_path = ''
  call s:fail_pending('the daemon closed the connection (' . a:reason . ')')
endfunction

" ---------------------------------------------------------------------------------------
" Messages

" Notifications of method go to Handler(params); those of other methods are dropped.
function! hypencoder#rpc#on_notification(method, Handler) abort
  let s:handlers[a:method] = a:Handler
endfunction

function! s:dispatch(message) abort
  if type(a:message) != v:t_dict
    return
  endif
  if has_key(a:message, 'method')
    let method = a:message.method
    if type(method) == v:t_string && has_key(s:handlers, method)
      let Handler = s:handlers[method]
      call Handler(get(a:message, 'params', {}))
    endif
    return
  endif
  let id = get(a:message, 'id', v:null)
  if type(id) != v:t_number || !has_key(s:callbacks, id)
    return
  endif
  let Callback = remove(s:callbacks, id)
  if has_key(s:state.pending, id)
    call remove(s:state.pending, id)
  endif
  call s:call(Callback, a:message)
endfunction

function! s:call(Callback, response) abort
  try
    call a:Callback(a:response)
  catch
    call hypencoder#ui#error('internal error: ' . v:exception . ' (' . v:throwpoint . ')')
  endtry
endfunction

" Sends a request whose reply goes to Callback(response); returns its id. Throws
" 'hypencoder: MESSAGE' when no daemon answers.
function! hypencoder#rpc#request(method, params, Callback) abort
  let problem = s:connect()
  if !empty(problem)
    throw 'hypencoder: ' . problem
  endif
  if s:is_nvim
    let s:next_id += 1
    let id = s:next_id
    let problem = luaeval('require("hypencoder").send(_A)', json_encode(
          \ {'jsonrpc': '2.0', 'id': id, 'method': a:method, 'params': a:params}))
  else
    try
      let sent = ch_sendexpr(s:channel, {'method': a:method, 'params': a:params},
            \ {'callback': function('s:on_vim_message')})
      let id = get(sent, 'id', -1)
      let problem = id < 0 ? 'the channel refused the message' : ''
    catch
      let problem = v:exception
    endtry
  endif
  if !empty(problem)
    call s:disconnect(problem)
    throw 'hypencoder: could not send to hypencoderd at ' . hypencoder#rpc#socket_path()
          \ . ': ' . problem
  endif
  let s:callbacks[id] = a:Callback
  let s:state.pending[id] = a:method
  return id
endfunction

function! s:notify(method, params) abort
  if !hypencoder#rpc#is_open()
    return
  endif
  if s:is_nvim
    call luaeval('require("hypencoder").send(_A)', json_encode(
          \ {'jsonrpc': '2.0', 'method': a:method, 'params': a:params}))
  else
    try
      call ch_sendexpr(s:channel, {'method': a:method, 'params': a:params})
    catch
    endtry
  endif
endfunction

" Asks the daemon to cancel a pending request; its reply (normally -32800) still comes.
function! hypencoder#rpc#cancel(id) abort
  if has_key(s:state.pending, a:id)
    call s:notify('$/cancelRequest', {'id': a:id})
    call add(s:state.cancelled, a:id)
  endif
endfunction

" The text of a reply's error object.
function! hypencoder#rpc#error_text(error) abort
  return type(a:error) == v:t_dict ? get(a:error, 'message', string(a:error)) : string(a:error)
endfunction

let &cpo = s:save_cpo
unlet s:save_cpo
