package bot

import (
	"context"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// The bot's own words are messages in locales/ (bot.*), in every shipped
// language; the flows' words come with the views. TestBotMessagesExist
// checks these.
var botMessages = []string{
	"ui.bot.help", "ui.read_aloud", "ui.bot.stopped", "ui.bot.group", "ui.bot.unsupported", "ui.bot.unknown_command", "ui.bot.too_long", "ui.bot.use_buttons",
	"ui.bot.old_button", "ui.bot.choose_one", "ui.bot.anonymous_note", "ui.bot.ticket", "ui.bot.staff_reply", "ui.bot.sent_to_staff",
	"ui.bot.which_request", "ui.bot.status.line", "ui.bot.status.none", "ui.bot.follow.pin", "ui.bot.follow.ok",
	"ui.bot.contact.share", "ui.bot.contact.share_hint", "ui.bot.contact.type_hint", "ui.bot.contact.not_yours",
	"ui.bot.forget.ask", "ui.bot.forget.yes", "ui.bot.forget.no", "ui.bot.forget.done",
	"ui.bot.command.start", "ui.bot.command.taal", "ui.bot.command.status", "ui.bot.command.help", "ui.bot.command.stop", "ui.bot.command.vergeet",
}

// commands are registered per language; the first is the default list.
var commands = []string{"start", "taal", "status", "help", "stop", "vergeet"}

// setCommands registers the command list in every shipped language, and
// in the source language for everyone else. A Bot API server that
// refuses it is told in the log, and the bot goes on: the commands work
// without the list.
func (b *Bot) setCommands(ctx context.Context) {
	cat := b.cfg.Engine().Content().Catalog
	list := func(lang string) []models.BotCommand {
		var out []models.BotCommand
		for _, c := range commands {
			out = append(out, models.BotCommand{Command: c, Description: cat.Text(lang, "ui.bot.command."+c)})
		}
		return out
	}
	if _, err := b.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: list(cat.SourceLanguage())}); err != nil {
		b.apiResult("setMyCommands", err)
		b.cfg.Logger.Warn("the command list was not registered; the commands work without it", "error", err.Error())
		return
	}
	for _, l := range cat.Languages() {
		_, err := b.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: list(l.Code), LanguageCode: l.Code})
		b.apiResult("setMyCommands", err)
	}
}
